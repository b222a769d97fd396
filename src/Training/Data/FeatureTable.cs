namespace MLNetMixture.Training.Data;

/// <summary>A dense float32 feature matrix with column names and, optionally, one label per row.</summary>
public sealed class FeatureTable
{
    /// <summary>Creates a table.</summary>
    /// <param name="features">Row-major values, <paramref name="rows"/> x <paramref name="featureNames"/>.Length.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="featureNames">The feature column names.</param>
    /// <param name="labels">The raw label of each row, or null.</param>
    /// <param name="source">Where the data came from (used in messages).</param>
    public FeatureTable(float[] features, int rows, IReadOnlyList<string> featureNames, IReadOnlyList<string>? labels = null, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(featureNames);
        if ((long)rows * featureNames.Count != features.Length)
        {
            throw new ArgumentException($"{rows} rows x {featureNames.Count} features needs {(long)rows * featureNames.Count} values; got {features.Length}.", nameof(features));
        }

        if (labels is not null && labels.Count != rows)
        {
            throw new ArgumentException($"{rows} rows but {labels.Count} labels.", nameof(labels));
        }

        Features = features;
        Rows = rows;
        FeatureNames = featureNames;
        Labels = labels;
        Source = source;
    }

    /// <summary>Row-major features.</summary>
    public float[] Features { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of feature columns.</summary>
    public int Columns => FeatureNames.Count;

    /// <summary>Feature column names.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Raw labels (as written in the file), or null.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>The file or description the data came from.</summary>
    public string Source { get; }

    /// <summary>One row's features.</summary>
    public ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * Columns, Columns);

    /// <summary>Rows [start, start + count) as a new table.</summary>
    public FeatureTable Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Rows [{start}, {start + count}) are outside the {Rows} rows of {Source}.");
        }

        return new FeatureTable(
            Features.AsSpan(start * Columns, count * Columns).ToArray(),
            count,
            FeatureNames,
            Labels?.Skip(start).Take(count).ToArray(),
            $"{Source}[{start}..{start + count})");
    }

    /// <summary>The given rows, in order, as a new table.</summary>
    /// <param name="rows">0-based row indices.</param>
    /// <param name="source">What the new table is called in messages; null keeps this table's <see cref="Source"/>.</param>
    public FeatureTable Select(IReadOnlyList<int> rows, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var f = new float[rows.Count * Columns];
        for (int i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(f.AsSpan(i * Columns, Columns));
        }

        return new FeatureTable(f, rows.Count, FeatureNames, Labels is null ? null : rows.Select(r => Labels[r]).ToArray(), source ?? Source);
    }
}
