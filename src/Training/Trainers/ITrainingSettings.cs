namespace MLNetMixture.Training.Trainers;

/// <summary>
/// The settings every model's training shares, whatever the model: how it is optimised, how it is validated and
/// stopped, its seed and its threads. <see cref="Flows.MixtureDensityFlowOptions"/> and
/// <see cref="Experts.MixtureOfExpertsModelOptions"/> implement it, so code that sets these (the ML.NET options, the
/// command line) is written once for both.
/// </summary>
public interface ITrainingSettings
{
    /// <summary>Passes, minibatches, learning rate and its schedule, weight decay and clipping.</summary>
    OptimizationOptions Optimization { get; }

    /// <summary>The held-out share and early stopping.</summary>
    ValidationOptions Validation { get; }

    /// <summary>Seed of every random choice.</summary>
    ulong Seed { get; set; }

    /// <summary>Threads for training and scoring; 0 chooses.</summary>
    int Threads { get; set; }

    /// <summary>The time for a cross-validated search of the settings before fitting; null for none.</summary>
    TimeSpan? TuningBudget { get; set; }
}
