namespace MLNetMixture.Training.Trainers;

/// <summary>How a training run ended.</summary>
/// <param name="EpochsRun">Epochs completed.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="BestEpoch">The 1-based epoch whose parameters were kept (the last one without validation).</param>
/// <param name="BestValidation">Its validation score, or null.</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="Cancelled">Whether cancellation ended training (the best parameters are still kept).</param>
/// <param name="History">Every epoch's report.</param>
public sealed record TrainingResult(
    int EpochsRun,
    long Steps,
    int BestEpoch,
    double? BestValidation,
    bool StoppedEarly,
    bool Cancelled,
    IReadOnlyList<TrainingProgress> History)
{
    /// <summary>How the run used its threads (parts per batch, parts at once, threads per matrix product); null where not recorded.</summary>
    public TrainingParallelism? Parallelism { get; init; }
}
