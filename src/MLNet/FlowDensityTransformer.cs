using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.MLNet.DataViews;
using MLNetMixture.MLNet.Flows;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Flows;

namespace MLNetMixture.MLNet;

/// <summary>
/// A fitted mixture-density flow in an ML.NET pipeline: adds the log-density of every row (Single, nats, of the
/// features as given) and its posterior over the flow's base components (vector of K Single), scored natively in
/// batches of <see cref="FlowDensityEstimatorOptions.BatchSize"/> rows; draws samples as a data view.
/// </summary>
/// <remarks>
/// Made by <see cref="FlowDensityEstimator"/>, or over a loaded model with the constructor. ML.NET cannot write a
/// third-party transformer into its model zip and flows have no ONNX export yet, so saving a pipeline that holds
/// this transformer throws <see cref="NotSupportedException"/>: save <see cref="NativeModel"/> (an .mlmix file) and
/// wrap the loaded model again. A row with a NaN or infinite feature gets NaN scores.
/// </remarks>
public sealed class FlowDensityTransformer : ITransformer
{
    private const string Name = "MixtureDensityFlow";
    private readonly FlowDensityEstimatorOptions _options;
    private readonly FlowBatchScorer _scorer;

    /// <summary>Wraps a fitted flow (e.g. one loaded with <see cref="MixtureDensityFlowTransformer.Load(string)"/>).</summary>
    /// <param name="model">The flow.</param>
    /// <param name="options">The column names and batch size; null uses the defaults. Training settings are not used.</param>
    public FlowDensityTransformer(MixtureDensityFlowTransformer model, FlowDensityEstimatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options?.Clone() ?? new FlowDensityEstimatorOptions();
        _options.Validate();
        NativeModel = model;
        _scorer = new FlowBatchScorer(model, _options);
    }

    /// <summary>The native flow: log-densities, samples, entropy, model file.</summary>
    public MixtureDensityFlowTransformer NativeModel { get; }

    /// <summary>How training went; null for a wrapped loaded model.</summary>
    public TrainingResult? Training => NativeModel.Training;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => BatchScoringSchema.Create(inputSchema, _scorer, Name).Output;

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, _scorer, Name);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchScoringRowMapper(inputSchema, _scorer, Name);

    /// <summary>
    /// <paramref name="count"/> exact samples from the flow as a data view: the feature column (a vector of D Single,
    /// with the model's feature names as slot names, in data units) and the log-density column.
    /// </summary>
    /// <param name="count">The number of rows.</param>
    /// <param name="seed">The same seed gives the same rows.</param>
    public IDataView Sample(int count, ulong seed = 1)
    {
        var (samples, logDensity) = NativeModel.SampleWithLogDensity(count, seed);
        int d = NativeModel.Dimension;
        return new InMemoryDataView(
            count,
            [
                new DataViewSchema.DetachedColumn(_options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, d), ColumnNames.SlotNames(NativeModel.FeatureNames)),
                new DataViewSchema.DetachedColumn(_options.LogDensityColumnName, NumberDataViewType.Single),
            ],
            [BatchColumn.Vectors(samples.Features, d), BatchColumn.Scalars(logDensity)]);
    }

    /// <summary>Always throws: ML.NET's model zip has no place for a third-party transformer, and flows have no ONNX export yet.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("A MixtureDensityFlow transformer cannot be saved into an ML.NET model: ML.NET writes only its own transformers, and mixture-density flows have no ONNX export for ML.NET's ApplyOnnxModel yet. Save NativeModel (an .mlmix file), load it with MixtureDensityFlowTransformer.Load and wrap it with new FlowDensityTransformer(model, options).");
}
