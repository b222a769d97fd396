namespace MLNetMixture.Training.Data;

/// <summary>
/// A CSV file (or <c>.csv.gz</c>) as a <see cref="IFeatureRowSource"/>: every pass opens the file and reads it with
/// <see cref="CsvFeatureBatchReader"/> (same checks and messages as <see cref="CsvFeatureReader"/>: file, row, column), one
/// block ahead on a background thread so that parsing overlaps training.
/// </summary>
public sealed class CsvFileRowSource : IFeatureRowSource
{
    private readonly string? _features;
    private readonly string? _label;

    /// <summary>Opens the file once to read its header (and fail early on a bad one).</summary>
    /// <param name="path">A .csv or .csv.gz file.</param>
    /// <param name="features">The feature columns, as for <see cref="CsvFeatureReader.Read(string, string?, string?)"/>.</param>
    /// <param name="label">The label column's name or 0-based index, or null for no labels.</param>
    /// <param name="blockRows">Rows per block; at least 1.</param>
    public CsvFileRowSource(string path, string? features = null, string? label = null, int blockRows = CsvFeatureBatchReader.DefaultBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRows, 1);
        using (var header = CsvFeatureBatchReader.Open(path, features, label, blockRows))
        {
            FeatureNames = header.FeatureNames;
        }

        Source = path;
        _features = features;
        _label = label;
        HasLabels = label is not null;
        BlockRows = blockRows;
    }

    /// <summary>Rows per block (the last may be shorter).</summary>
    public int BlockRows { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames { get; }

    /// <inheritdoc />
    public bool HasLabels { get; }

    /// <inheritdoc />
    public IEnumerable<FeatureTable> ReadBlocks()
    {
        using var reader = CsvFeatureBatchReader.Open(Source, _features, _label, BlockRows);
        foreach (var block in reader.ReadBatches())
        {
            yield return block;
        }
    }
}
