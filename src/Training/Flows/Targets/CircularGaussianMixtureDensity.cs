namespace MLNetMixture.Training.Flows.Targets;

/// <summary>
/// A 2D mixture of K equally weighted isotropic Gaussians with standard deviation σ, centred on a circle of radius
/// R at angles 2πk/K, left unnormalised by a known constant:
/// <c>log p~(x) = log Σ_k exp(-‖x - μ_k‖² / (2σ²))</c>, i.e. <c>p~ = Z p</c> with the normalised mixture
/// <c>p(x) = (1/K) Σ_k N(x; μ_k, σ² I)</c> and <c>Z = K · 2πσ²</c>. The default, 8 modes on radius 5 with σ = 0.5,
/// has log Z = log 4π ≈ 2.531 and neighbouring modes 3.83 apart (7.7 σ): well separated, each holding 1/8 of the mass.
/// </summary>
public sealed class CircularGaussianMixtureDensity : IUnnormalizedDensity
{
    private readonly double[] _centres;

    /// <summary>Creates the target.</summary>
    /// <param name="modes">K ≥ 1.</param>
    /// <param name="radius">R ≥ 0.</param>
    /// <param name="sigma">σ &gt; 0.</param>
    public CircularGaussianMixtureDensity(int modes = 8, double radius = 5.0, double sigma = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modes);
        if (!(radius >= 0) || double.IsInfinity(radius))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The radius must be finite and non-negative.");
        }

        if (!(sigma > 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be finite and positive.");
        }

        Modes = modes;
        Radius = radius;
        Sigma = sigma;
        _centres = new double[2 * modes];
        for (int k = 0; k < modes; k++)
        {
            double angle = 2.0 * Math.PI * k / modes;
            _centres[2 * k] = radius * Math.Cos(angle);
            _centres[(2 * k) + 1] = radius * Math.Sin(angle);
        }
    }

    /// <inheritdoc />
    public int Dimension => 2;

    /// <summary>K, the number of modes.</summary>
    public int Modes { get; }

    /// <summary>R, the radius of the circle of centres.</summary>
    public double Radius { get; }

    /// <summary>σ, the standard deviation of every mode.</summary>
    public double Sigma { get; }

    /// <summary>The exact log-normaliser <c>log Z = log(K · 2πσ²)</c>.</summary>
    public double LogNormalizer => Math.Log(Modes * 2.0 * Math.PI * Sigma * Sigma);

    /// <summary>The centre (x, y) of mode <paramref name="mode"/>.</summary>
    public (double X, double Y) Centre(int mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mode);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mode, Modes);
        return (_centres[2 * mode], _centres[(2 * mode) + 1]);
    }

    /// <summary>The index of the mode whose centre is nearest to (x, y).</summary>
    public int NearestMode(double x, double y)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int k = 0; k < Modes; k++)
        {
            double dx = x - _centres[2 * k], dy = y - _centres[(2 * k) + 1];
            double distance = (dx * dx) + (dy * dy);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = k;
            }
        }

        return best;
    }

    /// <summary>
    /// The fraction of <paramref name="points"/> (row-major [N * 2]) nearest to each mode's centre, [K]; under the
    /// target itself every fraction is 1/K. Points with a non-finite coordinate are counted nowhere.
    /// </summary>
    public double[] ModeFractions(ReadOnlySpan<float> points)
    {
        if (points.Length % 2 != 0)
        {
            throw new ArgumentException("Expected row-major 2D points.", nameof(points));
        }

        int n = points.Length / 2;
        var fractions = new double[Modes];
        for (int i = 0; i < n; i++)
        {
            float x = points[2 * i], y = points[(2 * i) + 1];
            if (float.IsFinite(x) && float.IsFinite(y))
            {
                fractions[NearestMode(x, y)] += 1.0 / n;
            }
        }

        return fractions;
    }

    /// <summary>The number of modes that receive at least <paramref name="minimumFraction"/> of <paramref name="points"/>.</summary>
    /// <param name="points">Row-major 2D points.</param>
    /// <param name="minimumFraction">The share a mode needs to count as covered, e.g. 0.05.</param>
    public int CoveredModes(ReadOnlySpan<float> points, double minimumFraction = 0.05) =>
        ModeFractions(points).Count(f => f >= minimumFraction);

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient)
    {
        int n = UnnormalizedDensity.CheckBatch(2, points, logDensity, gradient);
        double inverseVariance = 1.0 / (Sigma * Sigma);
        Span<double> exponents = Modes <= 64 ? stackalloc double[Modes] : new double[Modes];
        for (int i = 0; i < n; i++)
        {
            double x = points[2 * i], y = points[(2 * i) + 1];
            double max = double.NegativeInfinity;
            for (int k = 0; k < Modes; k++)
            {
                double dx = x - _centres[2 * k], dy = y - _centres[(2 * k) + 1];
                exponents[k] = -0.5 * inverseVariance * ((dx * dx) + (dy * dy));
                max = Math.Max(max, exponents[k]);
            }

            double sum = 0, gx = 0, gy = 0;
            for (int k = 0; k < Modes; k++)
            {
                double e = Math.Exp(exponents[k] - max);
                sum += e;
                gx += e * (_centres[2 * k] - x);
                gy += e * (_centres[(2 * k) + 1] - y);
            }

            logDensity[i] = (float)(max + Math.Log(sum));
            if (!gradient.IsEmpty)
            {
                gradient[2 * i] = (float)(gx / sum * inverseVariance);
                gradient[(2 * i) + 1] = (float)(gy / sum * inverseVariance);
            }
        }
    }
}
