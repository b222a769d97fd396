using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Flows;

namespace MLNetMixture.Transforms;

/// <summary>
/// A fitted mixture-density flow in an ML.NET pipeline: adds the log-density of every row (Single, nats, of the
/// features as given) and its posterior over the flow's base components (vector of K Single), scored natively in
/// batches of <see cref="MixtureDensityFlowEstimator.Options.ScoringBatchSize"/> rows; draws samples as a data view.
/// </summary>
/// <remarks>
/// <para>
/// Made by <see cref="MixtureDensityFlowEstimator"/>, or over a loaded model with the constructor. A row with a NaN or
/// infinite feature gets NaN scores.
/// </para>
/// <para>
/// <b>Saving.</b> ML.NET cannot write a third-party transformer into its model zip, so <c>mlContext.Model.Save</c>
/// writes <see cref="OnnxTransformerChain"/> in this transformer's place: ML.NET's own ONNX transformer over the
/// flow exported as a one-row density graph, plus an identity linear regression (y = 1·x + 0) that makes the
/// log-density a Single (ML.NET's ONNX transformer gives every output as a vector). Every step is ML.NET's own, so
/// <c>mlContext.Model.Load</c> in a process that references only Microsoft.ML and Microsoft.ML.OnnxTransformer gives back that chain, with the same LogDensity and ComponentPosterior columns and types.
/// Its values are ONNX Runtime's, which round differently from the native kernels (a few units in the sixth
/// significant digit); use <see cref="OnnxTransformerChain"/> in the pipeline you evaluate when you need the
/// saved model's numbers bit for bit. The chain scores one row per ONNX Runtime call, so it is slower than this
/// transformer's batched native scoring; <c>mlContext.LoadBatched</c> loads a saved pipeline with that step scored in
/// batches (the one-row graph turned back into the batched graph) on the device the loading context names.
/// </para>
/// </remarks>
public sealed class MixtureDensityFlowTransformer : ITransformer
{
    private const string Name = "MixtureDensityFlow";
    private readonly MixtureDensityFlowEstimator.Options _options;
    private readonly FlowBatchScorer _scorer;
    private readonly Lazy<TransformerChain<ITransformer>> _onnxChain;

    /// <summary>Wraps a fitted flow (e.g. one loaded with <see cref="MixtureDensityFlowModel.Load(string)"/>).</summary>
    /// <param name="model">The flow.</param>
    /// <param name="options">The column names and batch size; null uses the defaults. Training settings are not used.</param>
    public MixtureDensityFlowTransformer(MixtureDensityFlowModel model, MixtureDensityFlowEstimator.Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options?.Clone() ?? new MixtureDensityFlowEstimator.Options();
        _options.Validate();
        Model = model;
        _scorer = new FlowBatchScorer(model, _options);
        _onnxChain = new Lazy<TransformerChain<ITransformer>>(() => FlowOnnxChain.Build(Model, _options));
    }

    /// <summary>The fitted flow (the model API): log-densities, samples, entropy, model file.</summary>
    public MixtureDensityFlowModel Model { get; }

    /// <summary>
    /// The ML.NET transformers that <c>mlContext.Model.Save</c> writes for this flow (built on first use):
    /// CopyColumns (only when the feature column is not named Features), ApplyOnnxModel over the one-row density
    /// graph, an identity regression (its Score is the log-density as a Single), CopyColumns and DropColumns. It adds the same columns as this transformer.
    /// </summary>
    public TransformerChain<ITransformer> OnnxTransformerChain => _onnxChain.Value;

    /// <summary>The column names and scoring batch size this transformer uses (training settings are not used).</summary>
    public MixtureDensityFlowEstimator.Options Settings => _options;

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

    /// <summary>
    /// <paramref name="count"/> exact samples from the flow as a data view: the feature column (a vector of D Single,
    /// with the model's feature names as slot names, in data units) and the log-density column.
    /// </summary>
    /// <param name="count">The number of rows.</param>
    /// <param name="seed">The same seed gives the same rows.</param>
    public IDataView Sample(int count, ulong seed = 1)
    {
        var (samples, logDensity) = Model.SampleWithLogDensity(count, seed);
        int d = Model.Dimension;
        return new InMemoryDataView(
            count,
            [
                new DataViewSchema.DetachedColumn(_options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, d), ColumnNames.SlotNames(Model.FeatureNames)),
                new DataViewSchema.DetachedColumn(_options.LogDensityColumnName, NumberDataViewType.Single),
            ],
            [BatchColumn.Vectors(samples.Features, d), BatchColumn.Scalars(logDensity)]);
    }

    /// <summary>
    /// Writes the flow as an ONNX model file in one call: the batched density graph (input [N, D] named after the feature
    /// column; outputs LogDensity [N] and ComponentPosterior [N, K]), as <see cref="MixtureDensityFlowOnnxExporter"/> writes it.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Export settings; null uses the exporter's defaults with the input named after the feature column.</param>
    public void SaveOnnx(string path, MixtureDensityFlowOnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new MixtureDensityFlowOnnxExportOptions { FeaturesInputName = _options.FeatureColumnName };
        new MixtureDensityFlowOnnxExporter(options).WriteFile(Model.Model, Model.FeatureNames, path);
    }

    /// <summary>Writes <see cref="OnnxTransformerChain"/>: what ML.NET loads back is that chain.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)OnnxTransformerChain).Save(ctx);
}
