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
/// natively in batches. A row with a NaN or infinite feature gets a NaN score and PredictedLabel false (as ML.NET's
/// own scorers decide NaN).
/// </summary>
/// <remarks>
/// <b>Saving.</b> <c>mlContext.Model.Save</c> writes ML.NET's own transformers in its place (ApplyOnnxModel over the
/// one-row density graph, then a binary linear prediction transformer that is exactly Score = -LogDensity with this
/// threshold), so stock ML.NET loads it; the loaded values are ONNX Runtime's (a few units in the sixth digit).
/// </remarks>
public sealed class MixtureDensityFlowAnomalyTransformer : ITransformer
{
    private const string Name = "MixtureDensityFlowAnomaly";
    private readonly FlowAnomalyScorer _scorer;
    private readonly Lazy<TransformerChain<ITransformer>> _onnxChain;

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
        _onnxChain = new Lazy<TransformerChain<ITransformer>>(() => FlowAnomalyOnnxChain.Build(model, threshold, o));
    }

    /// <summary>
    /// The ML.NET transformers that <c>mlContext.Model.Save</c> writes for this detector (built on first use): they add
    /// the same Score and PredictedLabel columns.
    /// </summary>
    public TransformerChain<ITransformer> OnnxTransformerChain => _onnxChain.Value;

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

    /// <summary>Writes <see cref="OnnxTransformerChain"/>: what ML.NET loads back is that chain.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)OnnxTransformerChain).Save(ctx);
}
