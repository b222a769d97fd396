namespace MLNetMixture.Training.Trainers;

/// <summary>A progress report, sent after every epoch.</summary>
/// <param name="Epoch">Epochs completed (1-based).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Step">Optimizer steps taken.</param>
/// <param name="TrainingLoss">Mean minibatch loss over the epoch.</param>
/// <param name="Validation">Validation score (higher is better), or null without a validation set.</param>
/// <param name="BestValidation">Best validation score so far, or null.</param>
/// <param name="IsBest">Whether this epoch set a new best.</param>
/// <param name="SamplesPerSecond">Training throughput over the epoch.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="Remaining">Estimated time to the planned end.</param>
/// <param name="Statistics">Model-specific figures (temperature, expert utilisation...).</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    long Step,
    double TrainingLoss,
    double? Validation,
    double? BestValidation,
    bool IsBest,
    double SamplesPerSecond,
    float LearningRate,
    TimeSpan Elapsed,
    TimeSpan Remaining,
    IReadOnlyDictionary<string, double> Statistics);
