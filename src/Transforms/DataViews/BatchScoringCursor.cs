using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// A cursor of <see cref="BatchScoringDataView"/>. It moves a cursor over the input's pass-through columns one
/// row at a time; when a scored column is active, a second cursor over the feature columns reads the next
/// <see cref="BatchScorer.BatchSize"/> rows whenever the current batch is used up, and the scorer scores them in
/// one call. Both input cursors see the same rows in the same order (IDataView cursors without a random source do).
/// </summary>
internal sealed class BatchScoringCursor : DataViewRowCursor
{
    private readonly BatchScoringSchema _schema;
    private readonly BatchScorer _scorer;
    private readonly DataViewRowCursor _rows;
    private readonly DataViewRowCursor? _features;
    private readonly FeatureBatchReader? _reader;
    private readonly bool[] _activeOutputs;
    private readonly Func<int> _rowInBatch;
    private float[][]? _buffers;
    private BatchColumn[]? _batch;
    private int _batchRows;
    private int _index = -1;
    private bool _disposed;

    public BatchScoringCursor(BatchScoringSchema schema, BatchScorer scorer, DataViewRowCursor rows, DataViewRowCursor? features, bool[] activeOutputs)
    {
        _schema = schema;
        _scorer = scorer;
        _rows = rows;
        _features = features;
        _activeOutputs = activeOutputs;
        _reader = features is null ? null : new FeatureBatchReader(features, schema.FeatureColumns, scorer.Inputs);
        _rowInBatch = () => _index;
    }

    /// <inheritdoc />
    public override DataViewSchema Schema => _schema.Output;

    /// <inheritdoc />
    public override long Position => _rows.Position;

    /// <inheritdoc />
    public override long Batch => _rows.Batch;

    /// <inheritdoc />
    public override ValueGetter<DataViewRowId> GetIdGetter() => _rows.GetIdGetter();

    /// <inheritdoc />
    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _schema.IsScored(column.Index) ? _activeOutputs[column.Index - _schema.Input.Count] : _rows.IsColumnActive(_rows.Schema[column.Index]);

    /// <inheritdoc />
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_schema.IsScored(column.Index))
        {
            return _rows.GetGetter<TValue>(_rows.Schema[column.Index]);
        }

        int output = column.Index - _schema.Input.Count;
        if (!_activeOutputs[output])
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was made.");
        }

        // The getter reads whichever batch is current when it is called.
        ValueGetter<TValue>? inner = null;
        BatchColumn[]? innerBatch = null;
        return (ref TValue value) =>
        {
            if (_index < 0 || _batch is null)
            {
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
            }

            if (!ReferenceEquals(innerBatch, _batch))
            {
                innerBatch = _batch;
                inner = _batch[output].Getter<TValue>(_rowInBatch, column.Name);
            }

            inner!(ref value);
        };
    }

    /// <inheritdoc />
    public override bool MoveNext()
    {
        if (_disposed || !_rows.MoveNext())
        {
            return false;
        }

        if (_features is not null)
        {
            _index++;
            if (_batch is null || _index >= _batchRows)
            {
                ScoreNextBatch();
            }
        }
        else
        {
            _index = 0;
        }

        return true;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _rows.Dispose();
            _features?.Dispose();
            _disposed = true;
        }

        base.Dispose(disposing);
    }

    private void ScoreNextBatch()
    {
        int capacity = _scorer.BatchSize;
        var buffers = _buffers ??= _reader!.Allocate(capacity);
        int rows = 0;
        while (rows < capacity && _features!.MoveNext())
        {
            _reader!.Read(buffers, rows);
            rows++;
        }

        if (rows == 0)
        {
            throw new InvalidOperationException("The input gave more rows to one cursor than to another over the same data; a batched transformer needs an input whose cursors all see the same rows.");
        }

        _batch = _scorer.Score(_reader!.Trim(buffers, rows, capacity), rows);
        _batchRows = rows;
        _index = 0;
    }
}
