using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// One output column's values for a batch of rows, row-major, with getters that read the row a cursor is on.
/// Scalar columns hold one value per row; vector columns <see cref="Width"/> values per row.
/// </summary>
internal abstract class BatchColumn
{
    /// <summary>Values per row.</summary>
    public abstract int Width { get; }

    /// <summary>A getter for the row <paramref name="row"/> returns; throws if <typeparamref name="T"/> is not the column's type.</summary>
    public abstract ValueGetter<T> Getter<T>(Func<int> row, string columnName);

    /// <summary>Scalar values of type <typeparamref name="T"/>.</summary>
    public static BatchColumn Scalars<T>(T[] values) => new ScalarColumn<T>(values);

    /// <summary>Vectors of <paramref name="width"/> values of type <typeparamref name="T"/> per row.</summary>
    public static BatchColumn Vectors<T>(T[] values, int width) => new VectorColumn<T>(values, width);

    private static InvalidOperationException WrongType(string columnName, Type asked, Type actual) =>
        new($"Column '{columnName}' holds {actual.Name} values; a getter of {asked.Name} was asked for.");

    private sealed class ScalarColumn<TValue>(TValue[] values) : BatchColumn
    {
        public override int Width => 1;

        public override ValueGetter<T> Getter<T>(Func<int> row, string columnName)
        {
            if (typeof(T) != typeof(TValue))
            {
                throw WrongType(columnName, typeof(T), typeof(TValue));
            }

            ValueGetter<TValue> getter = (ref TValue value) => value = values[row()];
            return (ValueGetter<T>)(object)getter;
        }
    }

    private sealed class VectorColumn<TValue>(TValue[] values, int width) : BatchColumn
    {
        public override int Width => width;

        public override ValueGetter<T> Getter<T>(Func<int> row, string columnName)
        {
            if (typeof(T) != typeof(VBuffer<TValue>))
            {
                throw WrongType(columnName, typeof(T), typeof(VBuffer<TValue>));
            }

            ValueGetter<VBuffer<TValue>> getter = (ref VBuffer<TValue> value) =>
            {
                var editor = VBufferEditor.Create(ref value, width);
                values.AsSpan(row() * width, width).CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<T>)(object)getter;
        }
    }
}
