namespace MLNetMixture.Training.Flows.Targets;

/// <summary>
/// The 2D test densities <c>p~(z) = exp(-U(z))</c> of Rezende &amp; Mohamed (2015, "Variational Inference with
/// Normalizing Flows", Table 1), with exact gradients, computed in float64:
/// <code>
/// w1(z) = sin(2π z1 / 4),  w2(z) = 3 exp(-½((z1 - 1) / 0.6)²),  w3(z) = 3 σ((z1 - 1) / 0.3)
/// U1(z) = ½((‖z‖ - 2) / 0.4)² - log(exp(-½((z1 - 2) / 0.6)²) + exp(-½((z1 + 2) / 0.6)²))
/// U2(z) = ½((z2 - w1) / 0.4)²
/// U3(z) = -log(exp(-½((z2 - w1) / 0.35)²) + exp(-½((z2 - w1 + w2) / 0.35)²))
/// U4(z) = -log(exp(-½((z2 - w1) / 0.4)²) + exp(-½((z2 - w1 + w3) / 0.35)²))
/// </code>
/// The logarithms of sums are evaluated with log-sum-exp.
/// </summary>
/// <remarks>
/// U2, U3 and U4 do not grow with |z1| (w1 is periodic), so exp(-U) has infinite mass over R²; the paper only
/// plots them on [-4, 4]². To make them proper targets with a finite normaliser, this class adds, for those three
/// only, a soft wall confining z1 to that plotting range:
/// <c>U += ½(max(|z1| - 4, 0) / 0.2)²</c> (continuous gradient; no effect inside [-4, 4]). U1 is integrable as it
/// stands and is left exactly as in the paper. The normalisers are not known in closed form: compute them with
/// <see cref="PlanarGridIntegration.LogNormalizer"/> (e.g. on [-6, 6]², where the neglected mass is below e^-40).
/// </remarks>
public sealed class RezendeMohamedDensity : IUnnormalizedDensity
{
    /// <summary>Where the soft wall of U2–U4 starts: |z1| = 4.</summary>
    public const double WallStart = 4.0;

    /// <summary>The length scale of the soft wall: 0.2.</summary>
    public const double WallWidth = 0.2;

    /// <summary>Creates the density exp(-U) for one of the four energies.</summary>
    public RezendeMohamedDensity(RezendeMohamedEnergy energy)
    {
        if (!Enum.IsDefined(energy))
        {
            throw new ArgumentOutOfRangeException(nameof(energy), energy, "Unknown energy.");
        }

        Energy = energy;
    }

    /// <summary>Which energy.</summary>
    public RezendeMohamedEnergy Energy { get; }

    /// <inheritdoc />
    public int Dimension => 2;

    /// <summary>U(z) at one point, with its gradient (∂U/∂z1, ∂U/∂z2), the soft wall included for U2–U4.</summary>
    /// <param name="energy">Which energy.</param>
    /// <param name="z1">The first coordinate.</param>
    /// <param name="z2">The second coordinate.</param>
    /// <param name="gradient1">Receives ∂U/∂z1.</param>
    /// <param name="gradient2">Receives ∂U/∂z2.</param>
    public static double EnergyAt(RezendeMohamedEnergy energy, double z1, double z2, out double gradient1, out double gradient2)
    {
        double u;
        switch (energy)
        {
            case RezendeMohamedEnergy.U1:
                {
                    double r = Math.Sqrt((z1 * z1) + (z2 * z2));
                    double a = (r - 2.0) / 0.4;
                    double ringSlope = r > 0 ? a / 0.4 / r : 0.0; // d(½a²)/dr / r; the gradient of ‖z‖ is undefined at 0
                    double e1 = -0.5 * Square((z1 - 2.0) / 0.6);
                    double e2 = -0.5 * Square((z1 + 2.0) / 0.6);
                    double lse = LogSumExp(e1, e2, out double p1, out double p2);
                    u = (0.5 * a * a) - lse;
                    gradient1 = (ringSlope * z1) + (p1 * (z1 - 2.0) / 0.36) + (p2 * (z1 + 2.0) / 0.36);
                    gradient2 = ringSlope * z2;
                    return u;
                }

            case RezendeMohamedEnergy.U2:
                {
                    double w1 = W1(z1, out double w1Slope);
                    double t = (z2 - w1) / 0.4;
                    u = 0.5 * t * t;
                    gradient1 = -t / 0.4 * w1Slope;
                    gradient2 = t / 0.4;
                    break;
                }

            case RezendeMohamedEnergy.U3:
                {
                    double w1 = W1(z1, out double w1Slope);
                    double w2 = 3.0 * Math.Exp(-0.5 * Square((z1 - 1.0) / 0.6));
                    double w2Slope = -w2 * (z1 - 1.0) / 0.36;
                    (u, gradient1, gradient2) = TwoBranches(z2 - w1, w1Slope, 0.35, z2 - w1 + w2, w1Slope - w2Slope, 0.35);
                    break;
                }

            case RezendeMohamedEnergy.U4:
                {
                    double w1 = W1(z1, out double w1Slope);
                    double s = 1.0 / (1.0 + Math.Exp(-(z1 - 1.0) / 0.3));
                    double w3 = 3.0 * s;
                    double w3Slope = 3.0 * s * (1.0 - s) / 0.3;
                    (u, gradient1, gradient2) = TwoBranches(z2 - w1, w1Slope, 0.4, z2 - w1 + w3, w1Slope - w3Slope, 0.35);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(energy), energy, "Unknown energy.");
        }

        double outside = Math.Abs(z1) - WallStart;
        if (outside > 0)
        {
            u += 0.5 * Square(outside / WallWidth);
            gradient1 += Math.Sign(z1) * outside / (WallWidth * WallWidth);
        }

        return u;
    }

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient)
    {
        int n = UnnormalizedDensity.CheckBatch(2, points, logDensity, gradient);
        for (int i = 0; i < n; i++)
        {
            double u = EnergyAt(Energy, points[2 * i], points[(2 * i) + 1], out double g1, out double g2);
            logDensity[i] = (float)-u;
            if (!gradient.IsEmpty)
            {
                gradient[2 * i] = (float)-g1;
                gradient[(2 * i) + 1] = (float)-g2;
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => Energy.ToString();

    private static double W1(double z1, out double slope)
    {
        double angle = Math.PI * z1 / 2.0;
        slope = Math.PI / 2.0 * Math.Cos(angle);
        return Math.Sin(angle);
    }

    /// <summary>
    /// <c>-log(exp(-½(a/s)²) + exp(-½(b/t)²))</c> with a = z2 - f(z1), b = z2 - g(z1), and its gradient given
    /// f' (<paramref name="aSlope"/>) and g' (<paramref name="bSlope"/>): ∂a/∂z1 = -f', ∂a/∂z2 = 1.
    /// </summary>
    private static (double Value, double Gradient1, double Gradient2) TwoBranches(double a, double aSlope, double aWidth, double b, double bSlope, double bWidth)
    {
        double e1 = -0.5 * Square(a / aWidth);
        double e2 = -0.5 * Square(b / bWidth);
        double lse = LogSumExp(e1, e2, out double p1, out double p2);
        double da = p1 * a / (aWidth * aWidth); // ∂U/∂a
        double db = p2 * b / (bWidth * bWidth); // ∂U/∂b
        return (-lse, (-da * aSlope) - (db * bSlope), da + db);
    }

    private static double LogSumExp(double a, double b, out double weightA, out double weightB)
    {
        double max = Math.Max(a, b);
        double ea = Math.Exp(a - max);
        double eb = Math.Exp(b - max);
        double sum = ea + eb;
        weightA = ea / sum;
        weightB = eb / sum;
        return max + Math.Log(sum);
    }

    private static double Square(double x) => x * x;
}
