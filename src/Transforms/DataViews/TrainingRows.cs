using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// The rows of a data view an estimator trains on: the features (row-major) and, for a classifier, every row's
/// class (the label key value minus one). Rows with a missing label (key value 0) or a non-finite feature are
/// skipped and counted, as ML.NET's own trainers skip them.
/// </summary>
internal sealed class TrainingRows
{
    private TrainingRows(float[] features, int[]? classes, float[]? weights, int rows, int width, long skipped)
    {
        Weights = weights;
        Features = features;
        Classes = classes;
        Rows = rows;
        Width = width;
        Skipped = skipped;
    }

    /// <summary>Row-major features, <see cref="Rows"/> x <see cref="Width"/>.</summary>
    public float[] Features { get; }

    /// <summary>Every row's class index, or null without a label column.</summary>
    public int[]? Classes { get; }

    /// <summary>Every row's example weight, or null without a weight column.</summary>
    public float[]? Weights { get; }

    /// <summary>The number of rows kept.</summary>
    public int Rows { get; }

    /// <summary>Features per row.</summary>
    public int Width { get; }

    /// <summary>Rows skipped for a missing label or a non-finite feature.</summary>
    public long Skipped { get; }

    /// <summary>
    /// Reads <paramref name="features"/> (a known-size vector of Single), if given the key-typed <paramref name="label"/>
    /// and the Single <paramref name="weight"/>; rows with a negative or non-finite weight are skipped too.
    /// </summary>
    public static TrainingRows Read(IDataView data, DataViewSchema.Column features, DataViewSchema.Column? label, DataViewSchema.Column? weight = null)
    {
        int width = ((VectorDataViewType)features.Type).Size;
        var values = new List<float>();
        var classes = label is null ? null : new List<int>();
        long skipped = 0;
        var weights = weight is null ? null : new List<float>();
        var columns = new List<DataViewSchema.Column> { features };
        if (label is { } l)
        {
            columns.Add(l);
        }

        if (weight is { } wc)
        {
            columns.Add(wc);
        }

        using var cursor = data.GetRowCursor(columns);
        var weightGetter = weight is { } w ? cursor.GetGetter<float>(w) : null;
        float rowWeight = 1;
        var featureGetter = cursor.GetGetter<VBuffer<float>>(features);
        var labelGetter = label is { } lc ? KeyIndexGetter(cursor, lc) : null;
        VBuffer<float> row = default;
        var dense = new float[width];
        while (cursor.MoveNext())
        {
            long key = labelGetter?.Invoke() ?? 1;
            featureGetter(ref row);
            if (row.Length != width)
            {
                throw new InvalidOperationException($"Column '{features.Name}' gave a vector of {row.Length} values at row {cursor.Position}; its type says {width}.");
            }

            row.CopyTo(dense);
            weightGetter?.Invoke(ref rowWeight);
            if (key == 0 || !AllFinite(dense) || !float.IsFinite(rowWeight) || rowWeight < 0)
            {
                skipped++;
                continue;
            }

            values.AddRange(dense);
            classes?.Add((int)(key - 1));
            weights?.Add(rowWeight);
        }

        int rows = values.Count / Math.Max(width, 1);
        return new TrainingRows([.. values], classes?.ToArray(), weights?.ToArray(), rows, width, skipped);
    }

    /// <summary>The number of values of a key type, checked to fit a classifier (2 to <see cref="int.MaxValue"/>).</summary>
    public static int ClassCount(DataViewSchema.Column label, string trainerName)
    {
        if (label.Type is not KeyDataViewType key)
        {
            throw new ArgumentOutOfRangeException(nameof(label), $"{trainerName} needs a key-typed label column; '{label.Name}' is {label.Type}. Map it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{label.Name}\").");
        }

        if (key.Count < 2 || key.Count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(label), $"{trainerName} needs a label key type with 2 or more values; '{label.Name}' has {key.Count}.");
        }

        return (int)key.Count;
    }

    private static Func<long> KeyIndexGetter(DataViewRow row, DataViewSchema.Column label)
    {
        switch (label.Type.RawType)
        {
            case var t when t == typeof(uint):
                {
                    var g = row.GetGetter<uint>(label);
                    uint v = 0;
                    return () => { g(ref v); return v; };
                }

            case var t when t == typeof(ulong):
                {
                    var g = row.GetGetter<ulong>(label);
                    ulong v = 0;
                    return () => { g(ref v); return (long)Math.Min(v, long.MaxValue); };
                }

            case var t when t == typeof(ushort):
                {
                    var g = row.GetGetter<ushort>(label);
                    ushort v = 0;
                    return () => { g(ref v); return v; };
                }

            case var t when t == typeof(byte):
                {
                    var g = row.GetGetter<byte>(label);
                    byte v = 0;
                    return () => { g(ref v); return v; };
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' has key type {label.Type} with raw type {label.Type.RawType.Name}; keys are stored as Byte, UInt16, UInt32 or UInt64.");
        }
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
