using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Transforms;

/// <summary>
/// Settings of <see cref="MixtureDensityFlowEstimator"/> (<c>mlContext.Transforms.MixtureDensityFlow(options)</c>): the
/// columns, the native flow's settings and the scoring batch size.
/// </summary>
public sealed class MixtureDensityFlowEstimatorOptions
{
    /// <summary>The feature column, a known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The added log-density column (Single, nats, of the data as given). Default "LogDensity".</summary>
    public string LogDensityColumnName { get; set; } = "LogDensity";

    /// <summary>The added posterior column (vector of K Single, p(k | x) over the base components). Default "ComponentPosterior".</summary>
    public string ComponentPosteriorColumnName { get; set; } = "ComponentPosterior";

    /// <summary>
    /// The native flow's settings (see <see cref="MixtureDensityFlowOptions"/>): flow type, layers, components,
    /// optimiser, early stopping, seed, threads. Shared, not copied; <see cref="MixtureDensityFlowModel.Fit"/>
    /// copies them when training starts. Its <see cref="MixtureDensityFlowOptions.FeatureColumns"/>, if set, picks
    /// slots of the feature vector by slot name.
    /// </summary>
    public MixtureDensityFlowOptions Training { get; set; } = new();

    /// <summary>Rows a cursor reads ahead and scores in one native call. Default 4,096.</summary>
    public int BatchSize { get; set; } = 4096;

    /// <summary>Receives a report after every training epoch (train and validation log-likelihood); null for none.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>A shallow copy (the training settings and the progress sink are shared).</summary>
    public MixtureDensityFlowEstimatorOptions Clone() => (MixtureDensityFlowEstimatorOptions)MemberwiseClone();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        foreach (var (value, name) in new[] { (FeatureColumnName, nameof(FeatureColumnName)), (LogDensityColumnName, nameof(LogDensityColumnName)), (ComponentPosteriorColumnName, nameof(ComponentPosteriorColumnName)) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"{name} must name a column.", name);
            }
        }

        if (LogDensityColumnName == ComponentPosteriorColumnName)
        {
            throw new ArgumentException($"LogDensityColumnName and ComponentPosteriorColumnName are both '{LogDensityColumnName}'.", nameof(ComponentPosteriorColumnName));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize = {BatchSize} is invalid: it must be at least 1.", nameof(BatchSize));
        }

        ArgumentNullException.ThrowIfNull(Training, nameof(Training));
        Training.Validate();
    }
}
