using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>The output schema of a <see cref="BatchScorer"/> over an input schema, and where its inputs are.</summary>
internal sealed class BatchScoringSchema
{
    private BatchScoringSchema(DataViewSchema input, DataViewSchema output, DataViewSchema.Column[] featureColumns)
    {
        Input = input;
        Output = output;
        FeatureColumns = featureColumns;
    }

    /// <summary>The input schema.</summary>
    public DataViewSchema Input { get; }

    /// <summary>Every input column (hidden ones included, same indices) followed by the scorer's outputs.</summary>
    public DataViewSchema Output { get; }

    /// <summary>The input columns the scorer reads, one per <see cref="BatchScorer.Inputs"/> entry.</summary>
    public IReadOnlyList<DataViewSchema.Column> FeatureColumns { get; }

    /// <summary>Whether output-schema column <paramref name="index"/> is one of the scorer's outputs.</summary>
    public bool IsScored(int index) => index >= Input.Count;

    /// <summary>Checks that <paramref name="input"/> has every column the scorer reads, with the right type, and builds the output schema.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature column is missing or is not a known-size vector of Single of the expected width.</exception>
    public static BatchScoringSchema Create(DataViewSchema input, BatchScorer scorer, string transformName)
    {
        ArgumentNullException.ThrowIfNull(input);
        var features = new DataViewSchema.Column[scorer.Inputs.Count];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = FindFeatureColumn(input, scorer.Inputs[i], transformName);
        }

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumns(scorer.Outputs);
        return new BatchScoringSchema(input, builder.ToSchema(), features);
    }

    /// <summary>The input column <paramref name="feature"/> names, checked to be a known-size vector of Single of its width.</summary>
    public static DataViewSchema.Column FindFeatureColumn(DataViewSchema input, FeatureInput feature, string transformName)
    {
        var column = input.GetColumnOrNull(feature.ColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"{transformName} reads column '{feature.ColumnName}' (a vector of {feature.Width} Single values), which the input does not have. Its columns: {Describe(input)}.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType item, IsKnownSize: true } vector || item != NumberDataViewType.Single || vector.Size != feature.Width)
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"{transformName} reads column '{feature.ColumnName}' as a vector of {feature.Width} Single values; it is {column.Type}.");
        }

        return column;
    }

    /// <summary>The visible columns of a schema with their types, for messages.</summary>
    public static string Describe(DataViewSchema schema) =>
        string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"));
}
