namespace MLNetMixture.Reporting;

/// <summary>
/// One named line of a <see cref="LineChart"/>: y values with optional x values (by default 1, 2, 3, ..., i.e. epochs).
/// A null, NaN or infinite y is a missing value: the point is skipped and the line joins its neighbours.
/// </summary>
public sealed class LineSeries
{
    /// <summary>Creates a series whose missing values are null (or NaN or infinite).</summary>
    /// <param name="name">The legend name.</param>
    /// <param name="y">The values.</param>
    /// <param name="x">The x of each value, or null for 1, 2, ..., n.</param>
    /// <exception cref="ArgumentException">x and y differ in length, or an x is not finite.</exception>
    public LineSeries(string name, IEnumerable<double?> y, IEnumerable<double>? x = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(y);
        Name = name;
        Y = [.. y];
        X = x is null ? [.. Enumerable.Range(1, Y.Count).Select(i => (double)i)] : [.. x];
        if (X.Count != Y.Count)
        {
            throw new ArgumentException($"Series '{name}' has {X.Count} x values but {Y.Count} y values.", nameof(x));
        }

        if (X.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"Series '{name}' has a non-finite x value; only y values may be missing.", nameof(x));
        }
    }

    /// <summary>Creates a series whose missing values are NaN (or infinite).</summary>
    /// <param name="name">The legend name.</param>
    /// <param name="y">The values.</param>
    /// <param name="x">The x of each value, or null for 1, 2, ..., n.</param>
    /// <exception cref="ArgumentException">x and y differ in length, or an x is not finite.</exception>
    public LineSeries(string name, IEnumerable<double> y, IEnumerable<double>? x = null)
        : this(name, (y ?? throw new ArgumentNullException(nameof(y))).Select(v => (double?)v), x)
    {
    }

    /// <summary>The legend name.</summary>
    public string Name { get; }

    /// <summary>The x values.</summary>
    public IReadOnlyList<double> X { get; }

    /// <summary>The y values (null for missing).</summary>
    public IReadOnlyList<double?> Y { get; }

    /// <summary>Whether the line is dashed (e.g. for a validation curve drawn in the training curve's colour).</summary>
    public bool Dashed { get; init; }

    /// <summary>The line colour, or null for the next colour of <see cref="CategoricalPalette"/>.</summary>
    public SvgColor? Color { get; init; }

    /// <summary>The points that can be drawn: finite y and, on a log axis, positive y.</summary>
    internal List<ChartPoint> Present(bool logY)
    {
        var points = new List<ChartPoint>(Y.Count);
        for (int i = 0; i < Y.Count; i++)
        {
            if (Y[i] is double v && double.IsFinite(v) && (!logY || v > 0))
            {
                points.Add(new ChartPoint(X[i], v));
            }
        }

        return points;
    }
}
