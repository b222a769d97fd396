namespace MLNetMixture.Training.Trainers;

/// <summary>Settings of <see cref="MinibatchTrainer"/>. The defaults work for small tabular models.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Rows per minibatch (capped at the number of training rows).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate of Adam/AdamW.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Weight decay; decoupled (AdamW) unless <see cref="DecoupledWeightDecay"/> is false.</summary>
    public float WeightDecay { get; init; }

    /// <summary>AdamW-style decoupled weight decay (true) or L2 added to the gradient (false).</summary>
    public bool DecoupledWeightDecay { get; init; } = true;

    /// <summary>Clip gradients to this global L2 norm; 0 turns clipping off.</summary>
    public float GradientClipNorm { get; init; } = 5f;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Cosine;

    /// <summary>Fraction of the planned steps spent warming the learning rate up linearly (cosine schedule).</summary>
    public double WarmupFraction { get; init; }

    /// <summary>Stop after this many epochs without a better validation score; 0 never stops early.</summary>
    public int EarlyStoppingPatience { get; init; } = 10;

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
        Check(Epochs > 0, nameof(Epochs), Epochs, "be positive");
        Check(BatchSize > 0, nameof(BatchSize), BatchSize, "be positive");
        Check(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "be positive and finite");
        Check(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "be non-negative");
        Check(float.IsFinite(GradientClipNorm) && GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "be non-negative (0 = off)");
        Check(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), WarmupFraction, "be in [0, 1)");
        Check(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "be non-negative (0 = off)");
        Check(Threads >= 0, nameof(Threads), Threads, "be non-negative (0 = chosen automatically)");
        Check(BatchPartRows >= 0, nameof(BatchPartRows), BatchPartRows, "be non-negative (0 = whole batches)");
    }

    private static void Check(bool ok, string name, object value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"Trainer option {name} = {value} is invalid: it must {rule}.", name);
        }
    }
}
