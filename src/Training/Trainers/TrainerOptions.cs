namespace MLNetMixture.Training.Trainers;

/// <summary>Settings of <see cref="MinibatchTrainer"/>. The defaults work for small tabular models.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes, minibatches, learning rate and its schedule, weight decay and clipping.</summary>
    public OptimizationOptions Optimization { get; init; } = new();

    /// <summary>Early stopping (<see cref="ValidationOptions.EarlyStoppingPatience"/>); the held-out share is applied by the model that builds the objective.</summary>
    public ValidationOptions Validation { get; init; } = new();

    /// <summary>Seed of every random choice (initialisation is the model's; minibatch order and noise are the trainer's).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Threads in all. When the objective supports it (<see cref="ITrainingObjective.SupportsBatchParts"/>), each batch
    /// is cut into parts (<see cref="BatchPartRows"/>) that run on separate threads (<see cref="DataParallelGradient"/>);
    /// otherwise the threads split each matrix product. 0 chooses: the faster of one part at a time and one part per core,
    /// by measurement during the first steps (batches that cannot be cut use every core for matrix products). Results
    /// are bit-identical for a given seed whatever the thread count.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>
    /// Rows per part at the least when batches are cut into parts (<see cref="DataParallelGradient.PartsFor"/>: at most
    /// one part per core; default <see cref="DataParallelGradient.DefaultRowsPerPart"/>: on two cores a batch of 256
    /// or more is cut in two); 0 keeps every batch whole. The parts never depend on the thread count.
    /// </summary>
    public int BatchPartRows { get; init; } = DataParallelGradient.DefaultRowsPerPart;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Optimization);
        ArgumentNullException.ThrowIfNull(Validation);
        Optimization.Validate();
        Validation.Validate();
        var check = new SettingCheck("Trainer");
        check.That(Threads >= 0, nameof(Threads), Threads, "be non-negative (0 = chosen automatically)");
        check.That(BatchPartRows >= 0, nameof(BatchPartRows), BatchPartRows, "be non-negative (0 = whole batches)");
    }
}
