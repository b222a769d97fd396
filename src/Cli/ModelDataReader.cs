using MLNetMixture.Training.Data;

namespace MLNetMixture.Cli;

/// <summary>Reads the rows a trained model scores from a CSV file, picking the model's feature columns.</summary>
internal static class ModelDataReader
{
    /// <summary>
    /// Reads <paramref name="path"/> for a model that reads <paramref name="featureNames"/>. Without
    /// <paramref name="featureSpec"/> the columns are picked by name (a missing one is an error naming it and the
    /// file's columns); with it, the selected columns are taken in order as the model's features, which must then be
    /// as many as the model has.
    /// </summary>
    /// <param name="path">The CSV file (.csv or .csv.gz).</param>
    /// <param name="featureNames">The model's feature names, in order.</param>
    /// <param name="featureSpec">The --features option: names, 0-based indices or ranges; null to pick by name.</param>
    /// <param name="label">The label column, or null to read no labels.</param>
    public static FeatureTable Read(string path, IReadOnlyList<string> featureNames, string? featureSpec, string? label)
    {
        if (featureSpec is null)
        {
            bool plainNames = featureNames.All(n => !n.Contains(',', StringComparison.Ordinal) && !n.Contains("..", StringComparison.Ordinal));
            var byName = CsvFeatureReader.Read(path, plainNames ? string.Join(',', featureNames) : null, label);
            return byName;
        }

        var table = CsvFeatureReader.Read(path, featureSpec, label);
        if (table.Columns != featureNames.Count)
        {
            throw new UsageException(
                $"{path}: --features '{featureSpec}' selects {table.Columns} columns, but the model expects {featureNames.Count} features ({Describe(featureNames)}).");
        }

        return new FeatureTable(table.Features, table.Rows, featureNames, table.Labels, table.Source);
    }

    /// <summary>Up to eight names, quoted, then how many there are in all.</summary>
    public static string Describe(IReadOnlyList<string> names) => names.Count <= 8
        ? string.Join(", ", names.Select(n => $"'{n}'"))
        : string.Join(", ", names.Take(8).Select(n => $"'{n}'")) + $", ... ({names.Count} in all)";
}
