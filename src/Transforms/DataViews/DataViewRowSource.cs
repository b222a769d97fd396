using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// The rows of a data view an estimator trains on, as a <see cref="IFeatureRowSource"/> that streamed training reads
/// in passes (one cursor per pass, blocks of <see cref="BlockRows"/> rows): the features and, for a classifier, every
/// row's class (the label key value minus one, as a string: "0", "1"...) and example weight. Rows with a missing label
/// (key value 0), a non-finite feature or a negative or non-finite weight are skipped and counted, as ML.NET's own
/// trainers skip them.
/// </summary>
internal sealed class DataViewRowSource : IFeatureRowSource
{
    /// <summary>Rows per block.</summary>
    public const int BlockRows = 65_536;

    private readonly IDataView _data;
    private readonly DataViewSchema.Column _features;
    private readonly DataViewSchema.Column? _label;
    private readonly DataViewSchema.Column? _weight;
    private readonly int _width;
    private readonly string[] _classNames;

    /// <summary>Reads <paramref name="features"/> (a known-size vector of Single) and, if given, the key-typed <paramref name="label"/> and the Single <paramref name="weight"/>.</summary>
    /// <param name="data">The data view.</param>
    /// <param name="features">The feature column.</param>
    /// <param name="label">The label column, or null.</param>
    /// <param name="weight">The example weight column, or null.</param>
    /// <param name="featureNames">The names of the feature vector's slots.</param>
    /// <param name="source">The data's name in messages.</param>
    public DataViewRowSource(IDataView data, DataViewSchema.Column features, DataViewSchema.Column? label, DataViewSchema.Column? weight, IReadOnlyList<string> featureNames, string source)
    {
        _data = data;
        _features = features;
        _label = label;
        _weight = weight;
        _width = ((VectorDataViewType)features.Type).Size;
        _classNames = label?.Type is KeyDataViewType key ? [.. Enumerable.Range(0, (int)Math.Min(key.Count, 1 << 20)).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))] : [];
        FeatureNames = featureNames;
        Source = source;
    }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames { get; }

    /// <inheritdoc />
    public bool HasLabels => _label is not null;

    /// <summary>Complete passes so far.</summary>
    public int Passes { get; private set; }

    /// <summary>Whether a complete pass found no usable row.</summary>
    public bool FoundNoRows => Passes > 0 && KeptRows == 0;

    /// <summary>Rows kept by the last complete pass.</summary>
    public long KeptRows { get; private set; }

    /// <summary>Rows skipped by the last complete pass for a missing label, a non-finite feature or an invalid weight.</summary>
    public long Skipped { get; private set; }

    /// <inheritdoc />
    public IEnumerable<FeatureTable> ReadBlocks()
    {
        var columns = new List<DataViewSchema.Column> { _features };
        if (_label is { } l)
        {
            columns.Add(l);
        }

        if (_weight is { } wc)
        {
            columns.Add(wc);
        }

        using var cursor = _data.GetRowCursor(columns);
        var weightGetter = _weight is { } w ? cursor.GetGetter<float>(w) : null;
        float rowWeight = 1;
        var featureGetter = cursor.GetGetter<VBuffer<float>>(_features);
        var labelGetter = _label is { } lc ? KeyIndexGetter(cursor, lc) : null;
        VBuffer<float> row = default;
        long kept = 0, skipped = 0;
        var values = new float[BlockRows * _width];
        var labels = _label is null ? null : new string[BlockRows];
        var weights = _weight is null ? null : new float[BlockRows];
        int rows = 0;
        while (cursor.MoveNext())
        {
            long key = labelGetter?.Invoke() ?? 1;
            featureGetter(ref row);
            if (row.Length != _width)
            {
                throw new InvalidOperationException($"Column '{_features.Name}' gave a vector of {row.Length} values at row {cursor.Position}; its type says {_width}.");
            }

            var dense = values.AsSpan(rows * _width, _width);
            row.CopyTo(dense);
            weightGetter?.Invoke(ref rowWeight);
            if (key == 0 || !AllFinite(dense) || !float.IsFinite(rowWeight) || rowWeight < 0)
            {
                skipped++;
                continue;
            }

            if (labels is not null)
            {
                labels[rows] = key - 1 < _classNames.Length ? _classNames[key - 1] : (key - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (weights is not null)
            {
                weights[rows] = rowWeight;
            }

            kept++;
            if (++rows == BlockRows)
            {
                yield return Block(values, rows, labels, weights);
                rows = 0;
            }
        }

        if (rows > 0)
        {
            yield return Block(values, rows, labels, weights);
        }

        KeptRows = kept;
        Skipped = skipped;
        Passes++;
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

    /// <summary>The first <paramref name="rows"/> rows of the block buffers, copied (the buffers are reused).</summary>
    private FeatureTable Block(float[] values, int rows, string[]? labels, float[]? weights) =>
        new(values.AsSpan(0, rows * _width).ToArray(), rows, FeatureNames, labels?[..rows], Source) { Weights = weights?[..rows] };

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
