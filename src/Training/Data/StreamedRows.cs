using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Data;

/// <summary>
/// The rows of a <see cref="IFeatureRowSource"/> a model trains or validates on, block by block: the model's feature
/// columns (by name), checked finite (errors name the source, the row in the whole stream and the column), and, with a
/// <see cref="HashValidationSplit"/>, only the training part or only the validation part.
/// </summary>
internal sealed class StreamedRows
{
    private readonly int[] _columns;
    private readonly HashValidationSplit? _split;
    private readonly bool _validationPart;

    /// <summary>Selects the rows.</summary>
    /// <param name="source">The data.</param>
    /// <param name="featureNames">The model's feature columns, in order.</param>
    /// <param name="role">The data's role in messages, e.g. "The training data".</param>
    /// <param name="split">The validation split, or null for every row.</param>
    /// <param name="validationPart">With a split: the validation rows (true) or the training rows (false).</param>
    public StreamedRows(IFeatureRowSource source, IReadOnlyList<string> featureNames, string role, HashValidationSplit? split = null, bool validationPart = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        FeatureNames = featureNames;
        Role = role;
        _columns = FeatureColumnSelection.Resolve(source.FeatureNames, source.Source, featureNames, role, allowPositional: false);
        _split = split;
        _validationPart = validationPart;
    }

    /// <summary>The data read.</summary>
    public IFeatureRowSource Source { get; }

    /// <summary>The model's feature columns.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Values per row.</summary>
    public int Width => _columns.Length;

    /// <summary>The data's role in messages.</summary>
    public string Role { get; }

    /// <summary>
    /// One pass: blocks of the selected rows, in source order, with the model's columns (labels and weights kept), read
    /// and selected on a thread of their own at most <paramref name="readAheadRows"/> rows ahead of the caller.
    /// </summary>
    public IEnumerable<FeatureTable> ReadBlocks(long readAheadRows = DefaultReadAheadRows) =>
        ReadAhead.Enumerate(Select(), block => block.Rows, readAheadRows);

    /// <summary>The rows <see cref="ReadBlocks"/> reads ahead unless told otherwise: two CSV batches.</summary>
    public const long DefaultReadAheadRows = 2L * CsvFeatureBatchReader.DefaultBatchSize;

    private IEnumerable<FeatureTable> Select()
    {
        long first = 0;
        var kept = new List<int>();
        foreach (var block in Source.ReadBlocks())
        {
            var values = FeatureColumnSelection.Extract(block, _columns, requireFinite: true, Role, first);
            var table = new FeatureTable(values, block.Rows, FeatureNames, block.Labels, block.Source) { Weights = block.Weights };
            if (_split is not null)
            {
                kept.Clear();
                for (int r = 0; r < block.Rows; r++)
                {
                    if (_split.IsValidation(first + r) == _validationPart)
                    {
                        kept.Add(r);
                    }
                }

                table = kept.Count == block.Rows ? table : table.Select(kept);
            }

            first += block.Rows;
            if (table.Rows > 0)
            {
                yield return table;
            }
        }
    }
}
