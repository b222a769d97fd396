using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Transforms;

/// <summary>
/// What the options of every MLNetMixture trainer have in common, flat as ML.NET's trainer options are (ML.NET's own
/// derive from <c>TrainerInputBase</c> the same way): the feature column, optimisation, validation and early stopping,
/// seed, threads and progress. Each property reads and writes the model API's settings record
/// (<see cref="OptimizationOptions"/>, <see cref="ValidationOptions"/>) held inside, so every default is the model
/// API's, declared once there.
/// </summary>
/// <typeparam name="TSettings">The model API's settings: <see cref="Training.Flows.MixtureDensityFlowOptions"/> or <see cref="Training.Experts.MixtureOfExpertsModelOptions"/>.</typeparam>
public abstract class MixtureTrainerOptions<TSettings>
    where TSettings : class, ITrainingSettings
{
    /// <summary>Creates the options over <paramref name="settings"/>, which they then own.</summary>
    private protected MixtureTrainerOptions(TSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
    }

    /// <summary>The feature column, a known-size vector of Single (e.g. from <c>Concatenate</c>). Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The most passes over the training data; see <see cref="OptimizationOptions.Epochs"/>.</summary>
    public int Epochs { get => Settings.Optimization.Epochs; set => Settings.Optimization.Epochs = value; }

    /// <summary>Training rows per minibatch; see <see cref="OptimizationOptions.BatchSize"/>.</summary>
    public int BatchSize { get => Settings.Optimization.BatchSize; set => Settings.Optimization.BatchSize = value; }

    /// <summary>The peak learning rate; see <see cref="OptimizationOptions.LearningRate"/>.</summary>
    public float LearningRate { get => Settings.Optimization.LearningRate; set => Settings.Optimization.LearningRate = value; }

    /// <summary>The learning-rate schedule; see <see cref="OptimizationOptions.LearningRateSchedule"/>.</summary>
    public LearningRateScheduleKind LearningRateSchedule { get => Settings.Optimization.LearningRateSchedule; set => Settings.Optimization.LearningRateSchedule = value; }

    /// <summary>Decoupled weight decay; see <see cref="OptimizationOptions.WeightDecay"/>.</summary>
    public float WeightDecay { get => Settings.Optimization.WeightDecay; set => Settings.Optimization.WeightDecay = value; }

    /// <summary>The global gradient norm clip (0 = off); see <see cref="OptimizationOptions.GradientClipNorm"/>.</summary>
    public float GradientClipNorm { get => Settings.Optimization.GradientClipNorm; set => Settings.Optimization.GradientClipNorm = value; }

    /// <summary>The most training rows held at once while training streams the data view; see <see cref="OptimizationOptions.ShuffleBufferRows"/>.</summary>
    public int ShuffleBufferRows { get => Settings.Optimization.ShuffleBufferRows; set => Settings.Optimization.ShuffleBufferRows = value; }

    /// <summary>Early-stopping patience in epochs (0 = off); see <see cref="ValidationOptions.EarlyStoppingPatience"/>.</summary>
    public int EarlyStoppingPatience { get => Settings.Validation.EarlyStoppingPatience; set => Settings.Validation.EarlyStoppingPatience = value; }

    /// <summary>The share of training rows held out for validation; see <see cref="ValidationOptions.ValidationFraction"/>.</summary>
    public double ValidationFraction { get => Settings.Validation.ValidationFraction; set => Settings.Validation.ValidationFraction = value; }

    /// <summary>Seed of every random choice. Default 1.</summary>
    public ulong Seed { get => Settings.Seed; set => Settings.Seed = value; }

    /// <summary>Threads for training and scoring; 0 (the default) chooses (<see cref="TrainerOptions.Threads"/>).</summary>
    public int Threads { get => Settings.Threads; set => Settings.Threads = value; }

    /// <summary>
    /// When set, training first searches the settings by k-fold cross-validation on the training rows for at most this
    /// long, then fits the best on every row; see <see cref="ITrainingSettings.TuningBudget"/>. Default null: no search.
    /// </summary>
    public TimeSpan? TuningBudget { get => Settings.TuningBudget; set => Settings.TuningBudget = value; }

    /// <summary>Receives a report after every training epoch; null for none.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>The model API's settings the properties read and write.</summary>
    private protected TSettings Settings { get; set; }
}
