namespace MLNetMixture.Reporting;

/// <summary>A point in data (or user) coordinates.</summary>
/// <param name="X">The horizontal coordinate.</param>
/// <param name="Y">The vertical coordinate.</param>
public readonly record struct ChartPoint(double X, double Y)
{
    /// <summary>Whether both coordinates are finite numbers.</summary>
    public bool IsFinite => double.IsFinite(X) && double.IsFinite(Y);

    /// <summary>Pairs two equally long coordinate arrays into points.</summary>
    /// <param name="x">The horizontal coordinates.</param>
    /// <param name="y">The vertical coordinates.</param>
    /// <returns>One point per index.</returns>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public static ChartPoint[] FromColumns(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{x.Count} x coordinates but {y.Count} y coordinates.", nameof(y));
        }

        var points = new ChartPoint[x.Count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new ChartPoint(x[i], y[i]);
        }

        return points;
    }
}
