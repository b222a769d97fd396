namespace MLNetMixture.Training.Data;

/// <summary>A dense float32 feature matrix with column names and, optionally, one label per row.</summary>
public sealed class FeatureTable
{
    private readonly IReadOnlyList<float>? _weights;

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

    /// <summary>
    /// One example weight per row (finite, non-negative), or null (the default) for weight 1 on every row.
    /// Training multiplies each row's loss term by its weight; see <c>MixtureOfExpertsModel.Fit</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The count is not <see cref="Rows"/>, or a weight is negative or not finite.</exception>
    public IReadOnlyList<float>? Weights
    {
        get => _weights;
        init
        {
            if (value is not null)
            {
                if (value.Count != Rows)
                {
                    throw new ArgumentException($"{Rows} rows but {value.Count} weights.", nameof(Weights));
                }

                for (int i = 0; i < value.Count; i++)
                {
                    if (!float.IsFinite(value[i]) || value[i] < 0)
                    {
                        throw new ArgumentException($"The weight of row {i} is {value[i]}; weights must be finite and non-negative.", nameof(Weights));
                    }
                }
            }

            _weights = value;
        }
    }

    /// <summary>
    /// Every row of <paramref name="source"/> in one table (its blocks one after the other, labels and weights kept), for
    /// work that needs the rows in memory, such as a cross-validated settings search.
    /// </summary>
    /// <param name="source">The rows.</param>
    public static FeatureTable ReadAll(IFeatureRowSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var features = new List<float>();
        var labels = source.HasLabels ? new List<string>() : null;
        var weights = new List<float>();
        bool weighted = false;
        int rows = 0;
        foreach (var block in source.ReadBlocks())
        {
            features.AddRange(block.Features.AsSpan(0, block.Rows * block.Columns));
            labels?.AddRange(block.Labels ?? throw new InvalidDataException($"{source.Source} says it has labels but a block has none."));
            weighted |= block.Weights is not null;
            weights.AddRange(block.Weights ?? Enumerable.Repeat(1f, block.Rows));
            rows += block.Rows;
        }

        return new FeatureTable([.. features], rows, source.FeatureNames, labels, source.Source) { Weights = weighted ? weights : null };
    }

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
            $"{Source}[{start}..{start + count})")
        {
            Weights = Weights?.Skip(start).Take(count).ToArray(),
        };
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

        return new FeatureTable(f, rows.Count, FeatureNames, Labels is null ? null : rows.Select(r => Labels[r]).ToArray(), source ?? Source)
        {
            Weights = Weights is null ? null : rows.Select(r => Weights[r]).ToArray(),
        };
    }
}
