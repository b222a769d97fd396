using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// A small read-only <see cref="IDataView"/> over arrays, with column types and annotations chosen freely (key
/// types with key values, known-size vectors): lookup tables for ML.NET transforms, and generated samples.
/// </summary>
internal sealed class InMemoryDataView : IDataView
{
    private readonly BatchColumn[] _values;
    private readonly int _rows;

    /// <summary>Creates the view; <paramref name="columns"/> and <paramref name="values"/> correspond.</summary>
    public InMemoryDataView(int rows, IReadOnlyList<DataViewSchema.DetachedColumn> columns, IReadOnlyList<BatchColumn> values)
    {
        if (columns.Count != values.Count)
        {
            throw new ArgumentException($"{columns.Count} columns but {values.Count} value arrays.", nameof(values));
        }

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(columns);
        Schema = builder.ToSchema();
        _values = [.. values];
        _rows = rows;
    }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => _rows;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(InMemoryDataView parent, HashSet<int> active) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was made.");
            }

            return parent._values[column.Index].Getter<TValue>(() => (int)_position, column.Name);
        }

        public override bool MoveNext()
        {
            if (_position + 1 >= parent._rows)
            {
                _position = parent._rows;
                return false;
            }

            _position++;
            return true;
        }
    }
}
