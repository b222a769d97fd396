namespace MLNetMixture.Training.Data;

/// <summary>An in-memory <see cref="FeatureTable"/> as a <see cref="IFeatureRowSource"/>, read in slices of <see cref="BlockRows"/> rows.</summary>
public sealed class FeatureTableRowSource : IFeatureRowSource
{
    /// <summary>The default <see cref="BlockRows"/>.</summary>
    public const int DefaultBlockRows = 65_536;

    /// <summary>Wraps <paramref name="table"/> (not copied).</summary>
    /// <param name="table">The rows.</param>
    /// <param name="blockRows">Rows per block; at least 1.</param>
    public FeatureTableRowSource(FeatureTable table, int blockRows = DefaultBlockRows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRows, 1);
        Table = table;
        BlockRows = blockRows;
    }

    /// <summary>The wrapped table.</summary>
    public FeatureTable Table { get; }

    /// <summary>Rows per block (the last may be shorter).</summary>
    public int BlockRows { get; }

    /// <inheritdoc />
    public string Source => Table.Source;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => Table.FeatureNames;

    /// <inheritdoc />
    public bool HasLabels => Table.Labels is not null;

    /// <inheritdoc />
    public IEnumerable<FeatureTable> ReadBlocks()
    {
        for (int start = 0; start < Table.Rows; start += BlockRows)
        {
            yield return Table.Slice(start, Math.Min(BlockRows, Table.Rows - start));
        }
    }
}
