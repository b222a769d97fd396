using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Flows;

namespace MLNetMixture.Transforms;

/// <summary>
/// A fitted mixture-density flow used as an anomaly detector: adds <c>Score</c> (Single, the negative log-density in
/// nats: higher is more anomalous) and <c>PredictedLabel</c> (Boolean, score above <see cref="Threshold"/>), scored
/// natively in batches. A row with a NaN or infinite feature gets a NaN score and is flagged.
/// </summary>
/// <remarks>
/// ML.NET cannot save this transformer into a model zip yet (saving throws <see cref="NotSupportedException"/>); save
/// <see cref="Model"/> with <see cref="MixtureDensityFlowModel.Save(string)"/> and the threshold, and wrap them again
/// with the constructor.
/// </remarks>
public sealed class MixtureDensityFlowAnomalyTransformer : ITransformer
{
    private const string Name = "MixtureDensityFlowAnomaly";
    private readonly FlowAnomalyScorer _scorer;

    /// <summary>Wraps a fitted flow with a threshold.</summary>
    /// <param name="model">The flow.</param>
    /// <param name="threshold">Scores (negative log-densities) above it are anomalies.</param>
    /// <param name="options">The column names and scoring batch size; null uses the defaults. Training settings are not used.</param>
    public MixtureDensityFlowAnomalyTransformer(MixtureDensityFlowModel model, float threshold, MixtureDensityFlowAnomalyEstimator.Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = options?.Clone() ?? new MixtureDensityFlowAnomalyEstimator.Options();
        o.Validate();
        if (float.IsNaN(threshold))
        {
            throw new ArgumentException("The threshold must not be NaN.", nameof(threshold));
        }

        Model = model;
        Threshold = threshold;
        _scorer = new FlowAnomalyScorer(model, threshold, o.Flow.FeatureColumnName, o.ScoreColumnName, o.PredictedLabelColumnName, o.Flow.ScoringBatchSize);
    }

    /// <summary>The fitted flow.</summary>
    public MixtureDensityFlowModel Model { get; }

    /// <summary>The decision threshold on the score (nats): a score above it is an anomaly.</summary>
    public float Threshold { get; }

    /// <summary>How training went; null for a wrapped loaded model.</summary>
    public TrainingResult? Training => Model.Training;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => BatchScoringSchema.Create(inputSchema, _scorer, Name).Output;

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, _scorer, Name);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchScoringRowMapper(inputSchema, _scorer, Name);

    /// <summary>Not supported yet: throws <see cref="NotSupportedException"/> saying what to do instead.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{Name} cannot be saved into an ML.NET model zip yet: save transformer.Model with MixtureDensityFlowModel.Save and keep Threshold ({Threshold}); wrap them again with new MixtureDensityFlowAnomalyTransformer(model, threshold).");
}
