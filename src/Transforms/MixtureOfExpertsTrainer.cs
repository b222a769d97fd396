using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Experts;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// A mixture-of-experts classifier as an ML.NET multiclass trainer. It reads a known-size vector of Single
/// features and a key-typed label, trains MLNetMixture's native mixture of experts
/// (<see cref="MixtureOfExpertsModel"/>), exports it to ONNX, and returns a transformer whose scoring and
/// persistence are ML.NET's own ONNX transformer, so <c>mlContext.Model.Save</c> and <c>Load</c> work.
/// </summary>
/// <remarks>
/// <para>Output columns, as an ML.NET multiclass trainer gives them (plus the gate's):</para>
/// <list type="bullet">
/// <item><description><see cref="ScoreColumnName"/>: vector of C Single, the class probabilities in the label's key order.</description></item>
/// <item><description><see cref="PredictedLabelColumnName"/>: the label's own key type and key values (so <c>MapKeyToValue</c> works downstream).</description></item>
/// <item><description><see cref="GateProbabilitiesColumnName"/>: vector of K Single, the gate's probabilities.</description></item>
/// <item><description><see cref="ExpertColumnName"/>: UInt32, the index (0..K-1) of the expert the gate prefers.</description></item>
/// </list>
/// <para>
/// Rows with a missing label, a non-finite feature or (with <see cref="Options.ExampleWeightColumnName"/>) a negative or non-finite weight are skipped. Every class of the label's key type must occur
/// in the training rows. The features are standardised inside the model (the statistics are learned here), so a
/// normaliser before the trainer is optional.
/// </para>
/// <para>
/// Training streams the data view: it is read in passes (a statistics pass, then one per epoch unless the rows fit
/// <see cref="MixtureTrainerOptions{TSettings}.ShuffleBufferRows"/>, and one per validation), never copied whole, so memory does not grow with
/// the data; the same rows in memory or in a file give the same model
/// (<see cref="MixtureOfExpertsModel.Fit(IFeatureRowSource, MixtureOfExpertsModelOptions?, IFeatureRowSource?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>).
/// </para>
/// </remarks>
public sealed partial class MixtureOfExpertsTrainer : IEstimator<MixtureOfExpertsPredictionTransformer>
{
    /// <summary>The class-probabilities column.</summary>
    public const string ScoreColumnName = MixtureOfExpertsOnnxExporter.ScoreOutput;

    /// <summary>The predicted-label column.</summary>
    public const string PredictedLabelColumnName = MixtureOfExpertsOnnxExporter.PredictedLabelOutput;

    /// <summary>The gate-probabilities column.</summary>
    public const string GateProbabilitiesColumnName = MixtureOfExpertsOnnxExporter.GateProbabilitiesOutput;

    /// <summary>The chosen-expert column.</summary>
    public const string ExpertColumnName = MixtureOfExpertsOnnxExporter.ExpertOutput;

    private const string Name = "MixtureOfExperts trainer";

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The settings; null uses the defaults. They are copied and checked.</param>
    public MixtureOfExpertsTrainer(Options? options = null)
    {
        Settings = options?.Clone() ?? new Options();
        Settings.Validate();
    }

    /// <summary>The settings (a copy of those given).</summary>
    public Options Settings { get; }

    /// <summary>Trains on <paramref name="input"/>, holding out <see cref="MLNetMixture.Training.Trainers.ValidationOptions.ValidationFraction"/> of it for validation (none by default: every row is trained on).</summary>
    public MixtureOfExpertsPredictionTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains on <paramref name="trainData"/>, early-stopping on <paramref name="validationData"/> when given.</summary>
    /// <param name="trainData">The training rows.</param>
    /// <param name="validationData">Validation rows with the same feature and label columns, or null to hold out rows of the training data (a seeded hash split, streamed like the training rows).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">No usable training rows, or a class of the label type without training rows.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">CUDA was requested without fallback and cannot be used.</exception>
    public MixtureOfExpertsPredictionTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var o = Settings;
        var (featureColumn, labelColumn, classes, width) = Columns(trainData.Schema);

        // Settle the device before training, so that a CUDA request that cannot be met fails (or falls back) at once.
        var device = MixtureOfExpertsPredictionTransformer.ChooseDevice(o.Scoring);
        var weightColumn = WeightColumn(trainData.Schema);
        var classLabels = ColumnNames.KeyValues(labelColumn, classes);
        var featureNames = ColumnNames.Features(featureColumn, width);
        var train = new DataViewRowSource(trainData, featureColumn, labelColumn, weightColumn, featureNames, "the ML.NET training data");
        DataViewRowSource? validation = null;
        if (validationData is not null)
        {
            var (vf, vl, vc, vw) = Columns(validationData.Schema);
            if (vc != classes || vw != width)
            {
                throw new ArgumentOutOfRangeException(nameof(validationData), $"{Name}: the validation data has {vw} features and {vc} label values; the training data has {width} and {classes}.");
            }

            validation = new DataViewRowSource(validationData, vf, vl, null, featureNames, "the ML.NET validation data");
        }

        MixtureOfExpertsModel native;
        try
        {
            native = MixtureOfExpertsModel.Fit(train, o.ToModelOptions(), validation, o.Progress);
        }
        catch (ArgumentException) when (train.FoundNoRows || validation?.FoundNoRows == true)
        {
            throw train.FoundNoRows
                ? new ArgumentException($"{Name}: the training data has no usable rows ({train.Skipped} skipped for a missing label, a non-finite feature or an invalid weight).", nameof(trainData))
                : new ArgumentException($"{Name}: the validation data has no usable rows.", nameof(validationData));
        }

        CheckEveryClassPresent(native.ClassLabels, classes, classLabels);
        var onnx = new MixtureOfExpertsOnnxExporter(o.Export with { FeaturesInputName = o.FeatureColumnName }).ToBytes(native.Standardizer, native.Model, classLabels, featureNames);

        var context = new MLContext(seed: unchecked((int)o.Seed));
        var chain = MixtureOfExpertsOnnxChain.Build(context, onnx, trainData.Schema, o.FeatureColumnName, labelColumn, classes, native.ExpertCount, device, o.Scoring.FallbackToCpu);
        return new MixtureOfExpertsPredictionTransformer(native, onnx, chain, o.FeatureColumnName, featureColumn.Type, labelColumn, classLabels, o.Scoring, train.Skipped);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = Settings;
        SchemaShapes.Require(inputSchema, o.FeatureColumnName, c => c.Kind == SchemaShape.Column.VectorKind.Vector && !c.IsKey && c.ItemType == NumberDataViewType.Single, "a known-size vector of Single", Name);
        SchemaShapes.Require(inputSchema, o.LabelColumnName, c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.IsKey, "a scalar key (map it with MapValueToKey)", Name);
        if (o.ExampleWeightColumnName is { } weight)
        {
            SchemaShapes.Require(inputSchema, weight, c => c.Kind == SchemaShape.Column.VectorKind.Scalar && !c.IsKey && c.ItemType == NumberDataViewType.Single, "a scalar Single", Name);
        }

        var added = new List<SchemaShape.Column>();
        added.Add(SchemaShapes.SingleVector(ScoreColumnName));
        added.Add(SchemaShapes.CopyOf(inputSchema, o.LabelColumnName, PredictedLabelColumnName));
        added.Add(SchemaShapes.SingleVector(GateProbabilitiesColumnName));
        added.Add(SchemaShapes.UInt32(ExpertColumnName));
        return SchemaShapes.With(inputSchema, [.. added]);
    }

    private (DataViewSchema.Column Features, DataViewSchema.Column Label, int Classes, int Width) Columns(DataViewSchema schema)
    {
        var o = Settings;
        var label = schema.GetColumnOrNull(o.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{Name} needs label column '{o.LabelColumnName}', which the data does not have. Its columns: {BatchScoringSchema.Describe(schema)}.");
        int classes = DataViewRowSource.ClassCount(label, Name);
        var features = schema.GetColumnOrNull(o.FeatureColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{Name} needs feature column '{o.FeatureColumnName}', which the data does not have (build it with Concatenate). Its columns: {BatchScoringSchema.Describe(schema)}.");
        if (features.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"{Name} needs feature column '{o.FeatureColumnName}' to be a known-size vector of Single; it is {features.Type}.");
        }

        int width = vector.Size;
        return (features, label, classes, width);
    }

    private DataViewSchema.Column? WeightColumn(DataViewSchema schema)
    {
        if (Settings.ExampleWeightColumnName is not { } name)
        {
            return null;
        }

        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{Name} needs example weight column '{name}', which the data does not have. Its columns: {BatchScoringSchema.Describe(schema)}.");
        return column.Type == NumberDataViewType.Single
            ? column
            : throw new ArgumentOutOfRangeException(nameof(schema), $"{Name} needs example weight column '{name}' to be a scalar Single; it is {column.Type}.");
    }

    /// <summary>
    /// Throws naming the classes of the key type that no training row has: the streamed fit learns the classes it sees
    /// ("0", "1"... for key values 1, 2...), and the model must score every value of the key type, in order.
    /// </summary>
    private static void CheckEveryClassPresent(IReadOnlyList<string> trained, int count, IReadOnlyList<string> labels)
    {
        var seen = new bool[count];
        foreach (string c in trained)
        {
            seen[int.Parse(c, CultureInfo.InvariantCulture)] = true;
        }

        var missing = Enumerable.Range(0, count).Where(c => !seen[c]).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException(
                $"{Name}: the label key type has {count} values but {missing.Length} of them never occur in the training rows ({string.Join(", ", missing.Take(10).Select(c => $"'{labels[c]}' (key {c + 1})"))}{(missing.Length > 10 ? ", ..." : string.Empty)}). "
                + "The model scores exactly the classes it was trained on; fit MapValueToKey on the training rows, or train on rows covering every class.");
        }
    }
}
