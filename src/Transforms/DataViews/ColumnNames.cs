using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>Names read from column annotations: the slot names of a feature vector and the values of a key type.</summary>
internal static class ColumnNames
{
    private static readonly MethodInfo KeyValueTextsMethod =
        typeof(ColumnNames).GetMethod(nameof(KeyValueTexts), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The vector's slot names when it has distinct, non-empty ones; otherwise f0, f1, ...</summary>
    public static string[] Features(DataViewSchema.Column column, int width)
    {
        if (column.HasSlotNames())
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            column.GetSlotNames(ref names);
            var dense = new ReadOnlyMemory<char>[names.Length];
            names.CopyTo(dense);
            var texts = dense.Select(n => n.ToString()).ToArray();
            if (texts.Length == width && texts.All(t => t.Length > 0) && texts.Distinct(StringComparer.Ordinal).Count() == width)
            {
                return texts;
            }
        }

        return Enumerable.Range(0, width).Select(i => "f" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// The key type's values as text (invariant culture) when it has distinct key values of any primitive type;
    /// otherwise the key values 1..count as text.
    /// </summary>
    public static string[] KeyValues(DataViewSchema.Column column, int count)
    {
        var meta = column.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (meta is { Type: VectorDataViewType { IsKnownSize: true } vector } && vector.Size == count)
        {
            var texts = (string[])KeyValueTextsMethod.MakeGenericMethod(vector.ItemType.RawType).Invoke(null, [column, count])!;
            if (texts.Distinct(StringComparer.Ordinal).Count() == count)
            {
                return texts;
            }
        }

        return Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Annotations holding slot names ("SlotNames", a vector of text as long as the column's vector).</summary>
    public static DataViewSchema.Annotations SlotNames(IReadOnlyList<string> names)
    {
        var texts = names.Select(n => n.AsMemory()).ToArray();
        var builder = new DataViewSchema.Annotations.Builder();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> value) =>
        {
            var editor = VBufferEditor.Create(ref value, texts.Length);
            texts.CopyTo(editor.Values);
            value = editor.Commit();
        };
        builder.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, texts.Length), getter);
        return builder.ToAnnotations();
    }

    private static string[] KeyValueTexts<T>(DataViewSchema.Column column, int count)
    {
        VBuffer<T> values = default;
        column.GetKeyValues(ref values);
        var dense = new T[count];
        values.CopyTo(dense);
        return dense.Select(v => v switch
        {
            ReadOnlyMemory<char> text => text.ToString(),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            null => string.Empty,
            _ => v.ToString() ?? string.Empty,
        }).ToArray();
    }
}
