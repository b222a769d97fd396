using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// A data view that passes its source's rows through unchanged and adds annotations to one column of its schema
/// (e.g. SlotNames on Score, which ML.NET's ONNX transformer does not give).
/// </summary>
internal sealed class AnnotatedDataView : IDataView
{
    private readonly IDataView _source;

    public AnnotatedDataView(IDataView source, string column, DataViewSchema.Annotations annotations)
    {
        _source = source;
        Schema = Annotate(source.Schema, column, annotations);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => _source.CanShuffle;

    /// <summary>
    /// <paramref name="schema"/> with <paramref name="annotations"/> added to (or replacing those of the same name on)
    /// the visible column <paramref name="column"/>; the schema is returned as it is when that column is absent. Hidden
    /// columns and column indices are kept.
    /// </summary>
    public static DataViewSchema Annotate(DataViewSchema schema, string column, DataViewSchema.Annotations annotations)
    {
        if (schema.GetColumnOrNull(column) is not { } target)
        {
            return schema;
        }

        var names = annotations.Schema.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var builder = new DataViewSchema.Builder();
        foreach (var c in schema)
        {
            if (c.Index != target.Index)
            {
                builder.AddColumn(c.Name, c.Type, c.Annotations);
                continue;
            }

            var merged = new DataViewSchema.Annotations.Builder();
            merged.Add(c.Annotations, n => !names.Contains(n));
            merged.Add(annotations, _ => true);
            builder.AddColumn(c.Name, c.Type, merged.ToAnnotations());
        }

        return builder.ToSchema();
    }

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(_source.GetRowCursor(Source(columnsNeeded), rand), Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [.. _source.GetRowCursorSet(Source(columnsNeeded), n, rand).Select(c => new Cursor(c, Schema))];

    private IEnumerable<DataViewSchema.Column> Source(IEnumerable<DataViewSchema.Column> columns) => columns.Select(c => _source.Schema[c.Index]).ToArray();

    private sealed class Cursor(DataViewRowCursor inner, DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);

        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
