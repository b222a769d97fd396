using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms;

/// <summary>
/// Fits a mixture-density normalizing flow (<see cref="MixtureDensityFlowModel.Fit(IFeatureRowSource, MixtureDensityFlowOptions?, IFeatureRowSource?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>) to a feature column and
/// gives a <see cref="MixtureDensityFlowTransformer"/> that adds each row's log-density and component posterior. Made by
/// <c>mlContext.Transforms.MixtureDensityFlow(...)</c>.
/// </summary>
/// <remarks>
/// Training streams the data view: it is read in passes (a statistics pass, then one per epoch unless the rows fit
/// <see cref="MixtureTrainerOptions{TSettings}.ShuffleBufferRows"/>, and one per validation), never copied whole, so memory does not grow with
/// the data; the same rows in memory or in a file give the same model. Rows with a non-finite feature are skipped in
/// training. The feature vector's slot names (or f0, f1, ...) become the model's feature names. Validation rows for
/// early stopping come from a seeded hash split of the training rows (<see cref="MLNetMixture.Training.Trainers.ValidationOptions.ValidationFraction"/>) or
/// from <see cref="Fit(IDataView, IDataView?)"/>.
/// </remarks>
public sealed partial class MixtureDensityFlowEstimator : IEstimator<MixtureDensityFlowTransformer>
{
    private const string Name = "MixtureDensityFlow";

    /// <summary>Creates the estimator.</summary>
    /// <param name="options">The settings; null uses the defaults. Copied (shallowly) and checked.</param>
    public MixtureDensityFlowEstimator(Options? options = null)
    {
        Settings = options?.Clone() ?? new Options();
        Settings.Validate();
    }

    /// <summary>The settings (a copy of those given).</summary>
    public Options Settings { get; }

    /// <summary>Fits the flow to the feature column of <paramref name="input"/>.</summary>
    public MixtureDensityFlowTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Fits the flow, early-stopping on <paramref name="validationData"/> when given.</summary>
    /// <param name="trainData">The training rows.</param>
    /// <param name="validationData">Validation rows with the same feature column, or null for a split of the training rows.</param>
    public MixtureDensityFlowTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var train = Source(trainData, "training");
        var validation = validationData is null ? null : Source(validationData, "validation");
        try
        {
            var model = MixtureDensityFlowModel.Fit(train, Settings.ToModelOptions(), validation, Settings.Progress);
            return new MixtureDensityFlowTransformer(model, Settings);
        }
        catch (ArgumentException) when (train.FoundNoRows || validation?.FoundNoRows == true)
        {
            var empty = train.FoundNoRows ? train : validation!;
            throw new ArgumentException($"{Name}: the {(empty == train ? "training" : "validation")} data has no usable rows ({empty.Skipped} skipped for a non-finite feature).", empty == train ? nameof(trainData) : nameof(validationData));
        }
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShapes.Require(inputSchema, Settings.FeatureColumnName, c => c.Kind == SchemaShape.Column.VectorKind.Vector && !c.IsKey && c.ItemType == NumberDataViewType.Single, "a known-size vector of Single", Name);
        return SchemaShapes.With(inputSchema, SchemaShapes.Single(Settings.LogDensityColumnName), SchemaShapes.SingleVector(Settings.ComponentPosteriorColumnName));
    }

    /// <summary>The data's feature column as rows streamed training reads in passes (rows with a non-finite feature are skipped).</summary>
    private DataViewRowSource Source(IDataView data, string role)
    {
        var column = data.Schema.GetColumnOrNull(Settings.FeatureColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"{Name} needs feature column '{Settings.FeatureColumnName}', which the {role} data does not have. Its columns: {BatchScoringSchema.Describe(data.Schema)}.");
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"{Name} needs feature column '{Settings.FeatureColumnName}' to be a known-size vector of Single; it is {column.Type}.");
        }

        return new DataViewRowSource(data, column, null, null, ColumnNames.Features(column, vector.Size), $"the ML.NET {role} data");
    }
}
