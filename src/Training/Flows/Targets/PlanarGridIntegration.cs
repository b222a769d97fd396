namespace MLNetMixture.Training.Flows.Targets;

/// <summary>
/// Numerical normalisers of 2D unnormalised densities: the midpoint rule on a square grid,
/// <c>Z ≈ h² Σ_ij p~(lower + (i + ½)h, lower + (j + ½)h)</c>, accumulated in float64 in log space.
/// </summary>
/// <remarks>
/// For smooth densities whose mass lies well inside the square the error falls as h² (midpoint rule), so halving
/// the step and comparing shows the convergence; the mass outside the square is not counted.
/// </remarks>
public static class PlanarGridIntegration
{
    /// <summary>log Z of a 2D <paramref name="target"/> over [lower, upper]² with <paramref name="pointsPerAxis"/>² cells.</summary>
    /// <param name="target">A density of dimension 2.</param>
    /// <param name="lower">The lower bound of both coordinates.</param>
    /// <param name="upper">The upper bound of both coordinates, above <paramref name="lower"/>.</param>
    /// <param name="pointsPerAxis">The number of cells per axis, at least 1.</param>
    public static double LogNormalizer(IUnnormalizedDensity target, double lower, double upper, int pointsPerAxis)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pointsPerAxis);
        if (target.Dimension != 2)
        {
            throw new ArgumentException($"Grid integration is for 2D targets; this one has dimension {target.Dimension}.", nameof(target));
        }

        if (!(upper > lower) || double.IsInfinity(lower) || double.IsInfinity(upper))
        {
            throw new ArgumentException($"Expected finite bounds with lower < upper; got [{lower}, {upper}].");
        }

        double h = (upper - lower) / pointsPerAxis;
        var points = new float[2 * pointsPerAxis];
        var logDensity = new float[pointsPerAxis];

        // One grid column per call; a running log-sum-exp keeps the sum exact however peaked the density.
        double max = double.NegativeInfinity, sum = 0;
        for (int i = 0; i < pointsPerAxis; i++)
        {
            float x = (float)(lower + ((i + 0.5) * h));
            for (int j = 0; j < pointsPerAxis; j++)
            {
                points[2 * j] = x;
                points[(2 * j) + 1] = (float)(lower + ((j + 0.5) * h));
            }

            target.Evaluate(points, logDensity, []);
            foreach (float v in logDensity)
            {
                if (float.IsNaN(v))
                {
                    throw new InvalidOperationException($"The target returned NaN near x = {x}.");
                }

                if (v > max)
                {
                    sum = (sum * Math.Exp(max - v)) + 1.0;
                    max = v;
                }
                else if (!float.IsNegativeInfinity(v))
                {
                    sum += Math.Exp(v - max);
                }
            }
        }

        return max + Math.Log(sum) + (2.0 * Math.Log(h));
    }
}
