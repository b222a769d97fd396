using Microsoft.ML;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// The input data with a <see cref="BatchScorer"/>'s columns added. Cursors score <see cref="BatchScorer.BatchSize"/>
/// rows per call (see <see cref="BatchScoringCursor"/>), not one row at a time. Rows keep the input's order; the
/// view does not shuffle.
/// </summary>
internal sealed class BatchScoringDataView : IDataView
{
    private readonly IDataView _input;
    private readonly BatchScorer _scorer;
    private readonly BatchScoringSchema _schema;

    public BatchScoringDataView(IDataView input, BatchScorer scorer, string transformName)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _scorer = scorer;
        _schema = BatchScoringSchema.Create(input.Schema, scorer, transformName);
    }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema => _schema.Output;

    /// <inheritdoc />
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var needed = columnsNeeded.ToArray();
        var activeOutputs = new bool[_scorer.Outputs.Count];
        var passThrough = new List<DataViewSchema.Column>();
        foreach (var column in needed)
        {
            if (_schema.IsScored(column.Index))
            {
                activeOutputs[column.Index - _schema.Input.Count] = true;
            }
            else
            {
                passThrough.Add(_input.Schema[column.Index]);
            }
        }

        // The rows the caller sees come from one cursor over the columns passed through; when a scored column is
        // active, a second cursor over the feature columns runs up to one batch ahead of it.
        var rows = _input.GetRowCursor(passThrough);
        var features = activeOutputs.Any(a => a) ? _input.GetRowCursor(_schema.FeatureColumns) : null;
        return new BatchScoringCursor(_schema, _scorer, rows, features, activeOutputs);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
