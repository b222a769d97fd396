namespace MLNetMixture.Training.Flows.Targets;

/// <summary>Factory methods for <see cref="IUnnormalizedDensity"/>.</summary>
public static class UnnormalizedDensity
{
    /// <summary>Wraps a <see cref="TargetLogDensity"/> delegate over points of <paramref name="dimension"/> coordinates.</summary>
    /// <param name="logDensity">The batch log-density and gradient.</param>
    /// <param name="dimension">D ≥ 1.</param>
    public static IUnnormalizedDensity FromDelegate(TargetLogDensity logDensity, int dimension)
    {
        ArgumentNullException.ThrowIfNull(logDensity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new DelegateDensity(logDensity, dimension);
    }

    /// <summary>Checks that the spans of an <see cref="IUnnormalizedDensity.Evaluate"/> call fit together; returns N.</summary>
    /// <param name="dimension">D.</param>
    /// <param name="points">[N * D].</param>
    /// <param name="logDensity">[N].</param>
    /// <param name="gradient">[N * D] or empty.</param>
    public static int CheckBatch(int dimension, ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient)
    {
        if (dimension <= 0 || points.Length % dimension != 0)
        {
            throw new ArgumentException($"The point buffer holds {points.Length} values, not a multiple of the dimension {dimension}.", nameof(points));
        }

        int n = points.Length / dimension;
        if (logDensity.Length != n)
        {
            throw new ArgumentException($"Expected {n} log-density slots; got {logDensity.Length}.", nameof(logDensity));
        }

        if (!gradient.IsEmpty && gradient.Length != points.Length)
        {
            throw new ArgumentException($"Expected {points.Length} gradient slots (or none); got {gradient.Length}.", nameof(gradient));
        }

        return n;
    }

    private sealed class DelegateDensity(TargetLogDensity function, int dimension) : IUnnormalizedDensity
    {
        public int Dimension { get; } = dimension;

        public void Evaluate(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient)
        {
            CheckBatch(Dimension, points, logDensity, gradient);
            function(points, logDensity, gradient);
        }
    }
}
