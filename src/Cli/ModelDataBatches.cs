using MLNetMixture.Training.Data;

namespace MLNetMixture.Cli;

/// <summary>
/// The rows a trained model scores, read from a CSV file in batches of a bounded number of rows (so a file larger
/// than memory scores with constant memory). Columns are picked as <see cref="ModelDataReader.Read"/> picks them, with
/// the same errors.
/// </summary>
internal sealed class ModelDataBatches : IDisposable
{
    private readonly CsvFeatureBatchReader _reader;
    private readonly IReadOnlyList<string>? _renamed;

    private ModelDataBatches(CsvFeatureBatchReader reader, IReadOnlyList<string>? renamed)
    {
        _reader = reader;
        _renamed = renamed;
    }

    /// <summary>The feature names each batch carries (the model's, where the model has names).</summary>
    public IReadOnlyList<string> FeatureNames => _renamed ?? _reader.FeatureNames;

    /// <summary>Data rows read so far.</summary>
    public long RowsRead => _reader.RowsRead;

    /// <summary>Batches read so far.</summary>
    public int BatchesRead => _reader.BatchesRead;

    /// <summary>
    /// Opens <paramref name="path"/> for a model that reads <paramref name="featureNames"/> (null: a model without
    /// stored names, which takes the columns <paramref name="featureSpec"/> selects, or every column).
    /// </summary>
    /// <param name="path">The CSV file (.csv or .csv.gz).</param>
    /// <param name="featureNames">The model's feature names, in order, or null.</param>
    /// <param name="featureSpec">The --features option, or null to pick by name.</param>
    /// <param name="rowsPerBatch">The most rows per batch.</param>
    public static ModelDataBatches Open(string path, IReadOnlyList<string>? featureNames, string? featureSpec, int rowsPerBatch)
    {
        if (rowsPerBatch < 1)
        {
            throw new UsageException($"--rows-per-batch must be at least 1; got {rowsPerBatch}.");
        }

        if (featureNames is null)
        {
            return new ModelDataBatches(CsvFeatureBatchReader.Open(path, featureSpec, label: null, rowsPerBatch), renamed: null);
        }

        if (featureSpec is null)
        {
            bool plainNames = featureNames.All(n => !n.Contains(',', StringComparison.Ordinal) && !n.Contains("..", StringComparison.Ordinal));
            return new ModelDataBatches(CsvFeatureBatchReader.Open(path, plainNames ? string.Join(',', featureNames) : null, label: null, rowsPerBatch), renamed: null);
        }

        var reader = CsvFeatureBatchReader.Open(path, featureSpec, label: null, rowsPerBatch);
        if (reader.FeatureNames.Count != featureNames.Count)
        {
            int selected = reader.FeatureNames.Count;
            reader.Dispose();
            throw new UsageException(
                $"{path}: --features '{featureSpec}' selects {selected} columns, but the model expects {featureNames.Count} features ({ModelDataReader.Describe(featureNames)}).");
        }

        return new ModelDataBatches(reader, featureNames);
    }

    /// <summary>The batches, read one at a time as the sequence is enumerated.</summary>
    public IEnumerable<FeatureTable> ReadBatches() => _renamed is null
        ? _reader.ReadBatches()
        : _reader.ReadBatches().Select(t => new FeatureTable(t.Features, t.Rows, _renamed, t.Labels, t.Source));

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}
