using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// A mixture-of-experts classifier fitted by <see cref="MixtureOfExpertsTrainer"/>. Its scoring and its
/// persistence are ML.NET's own: every <see cref="ITransformer"/> call goes to <see cref="OnnxTransformerChain"/>,
/// a chain of ML.NET transformers over the exported ONNX model (<c>ApplyOnnxModel</c>, then conversions ML.NET can
/// save). Saving this transformer, alone or inside a pipeline, writes that chain, so <c>mlContext.Model.Load</c> in
/// any process gives back an ML.NET <see cref="TransformerChain{TLastTransformer}"/> with identical outputs.
/// </summary>
/// <remarks>
/// <para>
/// The cost of that route is ML.NET's ONNX transformer: one ONNX Runtime call per row with a batch dimension of 1.
/// A saved pipeline loaded with <see cref="MLNetMixtureCatalog.LoadBatched(MLContext, string, out DataViewSchema, OnnxScoringOptions?)"/>
/// scores its ONNX step in batches instead, on the device the loading context (or the caller) names.
/// When the model does not have to live inside an ML.NET model zip, <see cref="ToBatchedScoring"/> gives the same
/// columns from batched ONNX Runtime calls, and <see cref="Model"/> scores natively. The training details
/// (epochs, early stopping, per-epoch reports) are on <see cref="Model"/>; they are not saved by ML.NET.
/// </para>
/// </remarks>
public sealed class MixtureOfExpertsPredictionTransformer : ISingleFeaturePredictionTransformer<MixtureOfExpertsModel>
{
    private readonly byte[] _onnx;
    private readonly string _featureColumn;
    private readonly DataViewSchema.Column _label;
    private readonly OnnxScoringOptions _scoring;
    private readonly string[] _classLabels;

    internal MixtureOfExpertsPredictionTransformer(
        MixtureOfExpertsModel native,
        byte[] onnx,
        TransformerChain<ITransformer> chain,
        string featureColumn,
        DataViewType featureColumnType,
        DataViewSchema.Column label,
        IReadOnlyList<string> classLabels,
        OnnxScoringOptions scoring,
        long skippedRows)
    {
        Model = native;
        _onnx = onnx;
        OnnxTransformerChain = chain;
        _featureColumn = featureColumn;
        FeatureColumnType = featureColumnType;
        _label = label;
        _classLabels = [.. classLabels];
        _scoring = scoring;
        SkippedRows = skippedRows;
    }

    /// <summary>
    /// The ML.NET transformers that score the model and that ML.NET saves: CopyColumns (only when the feature
    /// column is not named Features), ApplyOnnxModel, Hash, two MapValue and DropColumns.
    /// </summary>
    public TransformerChain<ITransformer> OnnxTransformerChain { get; }

    /// <summary>
    /// The fitted model's parameters, as ML.NET's prediction transformers expose theirs: the natively trained
    /// <see cref="MixtureOfExpertsModel"/> with its experts and gate (<see cref="MixtureOfExpertsModel.Model"/>), the
    /// feature standardisation (<see cref="MixtureOfExpertsModel.Standardizer"/>), the classes and the training report.
    /// Its class labels are the class indices "0".."C-1" (key value minus one; <see cref="ClassLabels"/> has the key
    /// values), its feature names the feature column's slot names (or f0, f1, ... when it has none).
    /// </summary>
    public MixtureOfExpertsModel Model { get; }

    /// <summary>The feature column the model reads (ML.NET's permutation feature importance permutes its slots).</summary>
    public string FeatureColumnName => _featureColumn;

    /// <summary>The feature column's type: a known-size vector of Single.</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>The label's key values as text, in key order (Score's slot order); the ONNX model's class_labels metadata.</summary>
    public IReadOnlyList<string> ClassLabels => _classLabels;

    /// <summary>How training went; see <see cref="MixtureOfExpertsModel.Training"/>.</summary>
    public TrainingResult? Training => Model.Training;

    /// <summary>Training rows skipped for a missing label or a non-finite feature.</summary>
    public long SkippedRows { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => ((ITransformer)OnnxTransformerChain).IsRowToRowMapper;

    /// <summary>A copy of the exported ONNX model the chain scores.</summary>
    public byte[] GetOnnxModel() => (byte[])_onnx.Clone();

    /// <summary>Writes the exported ONNX model to <paramref name="path"/>.</summary>
    public void SaveOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllBytes(path, _onnx);
    }

    /// <summary>
    /// The output schema: <see cref="OnnxTransformerChain"/>'s, with SlotNames on Score (the label's key values, as
    /// ML.NET's multiclass trainers give them, for <c>Evaluate</c> and permutation feature importance).
    /// </summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        AnnotatedDataView.Annotate(OnnxTransformerChain.GetOutputSchema(inputSchema), MixtureOfExpertsTrainer.ScoreColumnName, ColumnNames.SlotNames(_classLabels));

    /// <summary>
    /// Scores <paramref name="input"/> through <see cref="OnnxTransformerChain"/> and adds SlotNames (the label's key
    /// values) to Score. A pipeline saved and loaded through ML.NET runs the chain alone, whose Score has no SlotNames.
    /// </summary>
    public IDataView Transform(IDataView input) =>
        new AnnotatedDataView(OnnxTransformerChain.Transform(input), MixtureOfExpertsTrainer.ScoreColumnName, ColumnNames.SlotNames(_classLabels));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)OnnxTransformerChain).GetRowToRowMapper(inputSchema);

    /// <summary>Writes <see cref="OnnxTransformerChain"/>: what ML.NET loads back is that chain.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)OnnxTransformerChain).Save(ctx);

    /// <summary>
    /// The same model and columns (Score, PredictedLabel with the label's key type, GateProbabilities, Expert)
    /// scored by ONNX Runtime in batches through <see cref="OnnxBatchScoringTransformer"/>, for throughput when the
    /// pipeline is not saved through ML.NET.
    /// </summary>
    /// <param name="scoring">Device, fallback, batch size and threads; null uses those of the trainer's options.</param>
    /// <exception cref="NotSupportedException">The label's key type is not stored as UInt32 (MapValueToKey's keys are).</exception>
    public OnnxBatchScoringTransformer ToBatchedScoring(OnnxScoringOptions? scoring = null)
    {
        if (_label.Type.RawType != typeof(uint))
        {
            throw new NotSupportedException($"Batched scoring gives PredictedLabel as a UInt32 key; the label '{_label.Name}' is {_label.Type}. Use the ML.NET chain (this transformer) instead.");
        }

        var options = new OnnxBatchScoringOptions { Scoring = scoring ?? _scoring };
        return OnnxBatchScoringTransformer.Create(_onnx, options, scorer =>
        [
            OnnxOutputColumn.AsIs(MixtureOfExpertsTrainer.ScoreColumnName, MixtureOfExpertsTrainer.ScoreColumnName, typeof(float), scorer.OutputRowShape(MixtureOfExpertsTrainer.ScoreColumnName)),
            new OnnxOutputColumn(MixtureOfExpertsTrainer.PredictedLabelColumnName, new DataViewSchema.DetachedColumn(MixtureOfExpertsTrainer.PredictedLabelColumnName, _label.Type, _label.Annotations), OnnxOutputConversion.IndexToKey, 1),
            OnnxOutputColumn.AsIs(MixtureOfExpertsTrainer.GateProbabilitiesColumnName, MixtureOfExpertsTrainer.GateProbabilitiesColumnName, typeof(float), scorer.OutputRowShape(MixtureOfExpertsTrainer.GateProbabilitiesColumnName)),
            new OnnxOutputColumn(MixtureOfExpertsTrainer.ExpertColumnName, new DataViewSchema.DetachedColumn(MixtureOfExpertsTrainer.ExpertColumnName, NumberDataViewType.UInt32), OnnxOutputConversion.IndexToUInt32, 1),
        ]);
    }

    /// <summary>
    /// The CUDA device id to give ML.NET's ONNX transformer, or null for the CPU: CUDA is requested only when
    /// <see cref="CudaAvailability"/> finds nothing missing; otherwise the CPU is used with a warning, or, without
    /// fallback, an <see cref="ExecutionProviderUnavailableException"/> says what is missing.
    /// </summary>
    internal static int? ChooseDevice(OnnxScoringOptions scoring)
    {
        if (scoring.Device != OnnxExecutionDevice.Cuda)
        {
            return null;
        }

        if (CudaAvailability.Problem(scoring.DeviceId) is not { } problem)
        {
            return scoring.DeviceId;
        }

        if (!scoring.FallbackToCpu)
        {
            throw new ExecutionProviderUnavailableException($"CUDA device {scoring.DeviceId} cannot be used: {problem} (Set Scoring.FallbackToCpu to run ML.NET's ONNX transformer on the CPU instead.)");
        }

        (scoring.Warning ?? (m => Console.Error.WriteLine(m)))($"warning: CUDA requested for the mixture of experts but unavailable: {problem} ML.NET's ONNX transformer scores on the CPU instead.");
        return null;
    }
}
