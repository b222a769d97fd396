using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Datasets;

/// <summary>
/// Seeded samplers for the <see cref="ToyDensity2D"/> shapes, following the FFJORD definitions (Grathwohl et al.
/// 2019), and the exact log-density of the two whose density is known in closed form, for KL(true ‖ model).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="ToyDensity2D.EightGaussians"/>: <c>p(x) = ⅛ Σ_k N(x; c_k, σ² I)</c> with the centres
/// c_k = R (cos kπ/4, sin kπ/4), R = <see cref="EightGaussiansRadius"/> = 2√2 and σ =
/// <see cref="EightGaussiansSigma"/> = 1/(2√2) (FFJORD's radius 4 and σ 0.5, divided by √2).</item>
/// <item><see cref="ToyDensity2D.Checkerboard"/>: uniform on the squares [2i, 2i + 2) × [2j, 2j + 2),
/// i, j ∈ {-2..1}, with i + j even: 8 squares of area 4, so <c>p(x) = 1/32</c> there and 0 elsewhere.</item>
/// <item><see cref="ToyDensity2D.Moons"/>: a uniform angle t ∈ [0, π] on the upper half circle (cos t, sin t)
/// or the lower one (1 - cos t, 0.5 - sin t), noise σ 0.1, then 2x + (-1, -0.2).</item>
/// <item><see cref="ToyDensity2D.Pinwheel"/>: 5 arms; radial 1 + 0.3ε₁, tangential 0.1ε₂, rotated by the arm's
/// angle plus 0.25·exp(radial), times 2.</item>
/// <item><see cref="ToyDensity2D.Rings"/>: a uniform angle on one of four equally likely rings of radius 3, 2.25,
/// 1.5 and 0.75, noise σ 0.08.</item>
/// <item><see cref="ToyDensity2D.TwoSpirals"/>: t = 3π·√u, the point (-t cos t, t sin t) plus uniform [0, 0.5)
/// jitter, or its reflection through the origin, divided by 3, plus noise σ 0.1.</item>
/// </list>
/// </remarks>
public static class ToyDensities2D
{
    /// <summary>The radius of the circle of centres of <see cref="ToyDensity2D.EightGaussians"/>: 2√2.</summary>
    public static readonly double EightGaussiansRadius = 2.0 * Math.Sqrt(2.0);

    /// <summary>The standard deviation of each <see cref="ToyDensity2D.EightGaussians"/> component: 1/(2√2).</summary>
    public static readonly double EightGaussiansSigma = 0.5 / Math.Sqrt(2.0);

    /// <summary>The side of a <see cref="ToyDensity2D.Checkerboard"/> square.</summary>
    public const double CheckerboardSquare = 2.0;

    /// <summary>Draws <paramref name="count"/> points.</summary>
    /// <param name="density">The shape.</param>
    /// <param name="count">The number of points.</param>
    /// <param name="seed">The same seed gives the same points.</param>
    /// <returns>Row-major points [count, 2].</returns>
    public static float[] Sample(ToyDensity2D density, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new RandomSource(seed);
        var points = new float[2 * count];
        for (int i = 0; i < count; i++)
        {
            var (x, y) = density switch
            {
                ToyDensity2D.Moons => Moon(random),
                ToyDensity2D.EightGaussians => EightGaussian(random),
                ToyDensity2D.Checkerboard => Checker(random),
                ToyDensity2D.Pinwheel => Pinwheel(random),
                ToyDensity2D.Rings => Ring(random),
                ToyDensity2D.TwoSpirals => Spiral(random),
                _ => throw new ArgumentOutOfRangeException(nameof(density), density, "Unknown toy density."),
            };
            points[2 * i] = (float)x;
            points[(2 * i) + 1] = (float)y;
        }

        return points;
    }

    /// <summary>Whether <see cref="TrueLogDensity"/> knows the density of <paramref name="density"/>.</summary>
    public static bool HasTrueLogDensity(ToyDensity2D density) => density is ToyDensity2D.EightGaussians or ToyDensity2D.Checkerboard;

    /// <summary>The exact log-density at (x, y): -∞ where the density is zero.</summary>
    /// <exception cref="NotSupportedException">The shape has no closed-form density (see <see cref="HasTrueLogDensity"/>).</exception>
    public static double TrueLogDensity(ToyDensity2D density, double x, double y)
    {
        switch (density)
        {
            case ToyDensity2D.EightGaussians:
            {
                double variance = EightGaussiansSigma * EightGaussiansSigma;
                Span<double> terms = stackalloc double[8];
                double max = double.NegativeInfinity;
                for (int k = 0; k < 8; k++)
                {
                    double angle = k * Math.PI / 4;
                    double dx = x - (EightGaussiansRadius * Math.Cos(angle));
                    double dy = y - (EightGaussiansRadius * Math.Sin(angle));
                    terms[k] = -((dx * dx) + (dy * dy)) / (2 * variance);
                    max = Math.Max(max, terms[k]);
                }

                double sum = 0;
                foreach (double t in terms)
                {
                    sum += Math.Exp(t - max);
                }

                return max + Math.Log(sum / 8) - Math.Log(2 * Math.PI * variance);
            }

            case ToyDensity2D.Checkerboard:
            {
                double i = Math.Floor(x / CheckerboardSquare), j = Math.Floor(y / CheckerboardSquare);
                bool inside = i >= -2 && i <= 1 && j >= -2 && j <= 1 && ((long)(i + j) & 1) == 0;
                return inside ? -Math.Log(32.0) : double.NegativeInfinity;
            }

            default:
                throw new NotSupportedException($"{density} has no closed-form density; only EightGaussians and Checkerboard do.");
        }
    }

    private static (double X, double Y) Moon(RandomSource random)
    {
        double t = Math.PI * random.NextDouble();
        bool upper = random.NextDouble() < 0.5;
        double x = upper ? Math.Cos(t) : 1 - Math.Cos(t);
        double y = upper ? Math.Sin(t) : 0.5 - Math.Sin(t);
        x += 0.1 * random.NextNormal();
        y += 0.1 * random.NextNormal();
        return ((2 * x) - 1, (2 * y) - 0.2);
    }

    private static (double X, double Y) EightGaussian(RandomSource random)
    {
        double angle = random.NextInt(8) * Math.PI / 4;
        return (
            (EightGaussiansRadius * Math.Cos(angle)) + (EightGaussiansSigma * random.NextNormal()),
            (EightGaussiansRadius * Math.Sin(angle)) + (EightGaussiansSigma * random.NextNormal()));
    }

    private static (double X, double Y) Checker(RandomSource random)
    {
        // A column i in {-2..1}, then one of its two black squares j with i + j even.
        int i = random.NextInt(4) - 2;
        int j = (2 * random.NextInt(2)) - 2 + (i & 1);
        return (CheckerboardSquare * (i + random.NextDouble()), CheckerboardSquare * (j + random.NextDouble()));
    }

    private static (double X, double Y) Pinwheel(RandomSource random)
    {
        const int arms = 5;
        double radial = 1 + (0.3 * random.NextNormal());
        double tangential = 0.1 * random.NextNormal();
        double angle = (2 * Math.PI * random.NextInt(arms) / arms) + (0.25 * Math.Exp(radial));
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return (2 * ((radial * c) + (tangential * s)), 2 * ((-radial * s) + (tangential * c)));
    }

    private static (double X, double Y) Ring(RandomSource random)
    {
        double radius = 0.75 * (random.NextInt(4) + 1);
        double angle = 2 * Math.PI * random.NextDouble();
        return ((radius * Math.Cos(angle)) + (0.08 * random.NextNormal()), (radius * Math.Sin(angle)) + (0.08 * random.NextNormal()));
    }

    private static (double X, double Y) Spiral(RandomSource random)
    {
        double t = Math.Sqrt(random.NextDouble()) * 3 * Math.PI;
        double x = (-Math.Cos(t) * t) + (0.5 * random.NextDouble());
        double y = (Math.Sin(t) * t) + (0.5 * random.NextDouble());
        if (random.NextDouble() < 0.5)
        {
            x = -x;
            y = -y;
        }

        return ((x / 3) + (0.1 * random.NextNormal()), (y / 3) + (0.1 * random.NextNormal()));
    }
}
