using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tests.Flows.ReverseKl;

public sealed class ReverseKlTargetTests
{
    public static TheoryData<RezendeMohamedEnergy> Energies => new(Enum.GetValues<RezendeMohamedEnergy>());

    [Theory]
    [MemberData(nameof(Energies))]
    public void Energy_gradients_match_central_differences(RezendeMohamedEnergy energy)
    {
        var random = new RandomSource(11);
        const double h = 1e-5;
        for (int i = 0; i < 200; i++)
        {
            // Points over the whole plotting box and beyond it, where the soft wall of U2-U4 acts.
            double z1 = random.NextDouble() * 11 - 5.5, z2 = random.NextDouble() * 11 - 5.5;
            RezendeMohamedDensity.EnergyAt(energy, z1, z2, out double g1, out double g2);
            double d1 = (RezendeMohamedDensity.EnergyAt(energy, z1 + h, z2, out _, out _) - RezendeMohamedDensity.EnergyAt(energy, z1 - h, z2, out _, out _)) / (2 * h);
            double d2 = (RezendeMohamedDensity.EnergyAt(energy, z1, z2 + h, out _, out _) - RezendeMohamedDensity.EnergyAt(energy, z1, z2 - h, out _, out _)) / (2 * h);
            Assert.True(Math.Abs(g1 - d1) <= 1e-5 * (1 + Math.Abs(d1)), $"{energy} dU/dz1 at ({z1}, {z2}): {g1} vs {d1}");
            Assert.True(Math.Abs(g2 - d2) <= 1e-5 * (1 + Math.Abs(d2)), $"{energy} dU/dz2 at ({z1}, {z2}): {g2} vs {d2}");
        }
    }

    [Fact]
    public void Energies_take_the_paper_values_at_known_points()
    {
        // U1 at the origin: ½(2/0.4)² - log(2 exp(-½(2/0.6)²)) = 12.5 + 50/9 - log 2.
        Assert.Equal(12.5 + (50.0 / 9.0) - Math.Log(2), RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U1, 0, 0, out _, out _), 12);

        // On the ridge z2 = w1(z1) = sin(π z1 / 2), U2 is 0; U3 and U4 are -log(1 + exp(-½(w/0.35)²)) with w the branch offset.
        Assert.Equal(0, RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U2, 1, 1, out _, out _), 12);
        Assert.Equal(-Math.Log(1 + Math.Exp(-0.5 * Math.Pow(3 / 0.35, 2))), RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U3, 1, 1, out _, out _), 12);
        Assert.Equal(-Math.Log(1 + Math.Exp(-0.5 * Math.Pow(1.5 / 0.35, 2))), RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U4, 1, 1, out _, out _), 12);

        // The soft wall: nothing inside |z1| <= 4, ½((|z1| - 4)/0.2)² beyond.
        double inside = RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U2, 4, 0, out _, out _);
        double outside = RezendeMohamedDensity.EnergyAt(RezendeMohamedEnergy.U2, -4.5, Math.Sin(Math.PI * -4.5 / 2), out _, out _);
        Assert.Equal(0, inside, 12);
        Assert.Equal(0.5 * Math.Pow(0.5 / 0.2, 2), outside, 10);
    }

    [Theory]
    [MemberData(nameof(Energies))]
    public void Batch_evaluation_returns_minus_the_energy_and_its_gradient(RezendeMohamedEnergy energy)
    {
        var target = new RezendeMohamedDensity(energy);
        float[] points = [0.3f, -1.2f, 2.5f, 0.4f, -3.9f, 3.1f];
        var logDensity = new float[3];
        var gradient = new float[6];
        target.Evaluate(points, logDensity, gradient);
        for (int i = 0; i < 3; i++)
        {
            double u = RezendeMohamedDensity.EnergyAt(energy, points[2 * i], points[(2 * i) + 1], out double g1, out double g2);
            Assert.Equal(-u, logDensity[i], 4);
            Assert.Equal(-g1, gradient[2 * i], 3);
            Assert.Equal(-g2, gradient[(2 * i) + 1], 3);
        }

        // Values only: an empty gradient span is allowed.
        var valuesOnly = new float[3];
        target.Evaluate(points, valuesOnly, []);
        Assert.Equal(logDensity, valuesOnly);
    }

    [Theory]
    [MemberData(nameof(Energies))]
    public void Grid_log_normalizer_converges_as_the_step_halves(RezendeMohamedEnergy energy)
    {
        var target = new RezendeMohamedDensity(energy);
        double coarse = PlanarGridIntegration.LogNormalizer(target, -6, 6, 250);
        double medium = PlanarGridIntegration.LogNormalizer(target, -6, 6, 500);
        double fine = PlanarGridIntegration.LogNormalizer(target, -6, 6, 1000);
        Assert.InRange(Math.Abs(fine - medium), 0, 1e-4);
        Assert.True(Math.Abs(fine - medium) <= Math.Abs(medium - coarse) + 1e-6, $"{coarse} {medium} {fine}");

        // The box [-6, 6]² holds essentially all the mass: widening it changes nothing visible.
        double wider = PlanarGridIntegration.LogNormalizer(target, -7, 7, 584);
        Assert.InRange(Math.Abs(wider - fine), 0, 1e-4);
    }

    [Fact]
    public void Grid_log_normalizer_of_eight_gaussians_matches_the_known_value()
    {
        var target = new CircularGaussianMixtureDensity();
        Assert.Equal(Math.Log(4 * Math.PI), target.LogNormalizer, 12);
        double grid = PlanarGridIntegration.LogNormalizer(target, -9, 9, 900);
        Assert.Equal(target.LogNormalizer, grid, 4);
    }

    [Fact]
    public void Eight_gaussian_gradients_match_central_differences_and_modes_are_assigned_by_nearest_centre()
    {
        var target = new CircularGaussianMixtureDensity();
        var random = new RandomSource(5);
        var lp = new float[3];
        for (int i = 0; i < 100; i++)
        {
            float x = (float)(random.NextDouble() * 14 - 7), y = (float)(random.NextDouble() * 14 - 7);
            var g = new float[2];
            var v = new float[1];
            target.Evaluate([x, y], v, g);
            const float h = 1e-2f;
            target.Evaluate([x + h, y, x - h, y, x, y + h], lp, []);
            var lp2 = new float[1];
            target.Evaluate([x, y - h], lp2, []);
            float d0 = (lp[0] - lp[1]) / (2 * h), d1 = (lp[2] - lp2[0]) / (2 * h);
            Assert.True(Math.Abs(g[0] - d0) <= 0.02 * (1 + Math.Abs(d0)), $"d/dx at ({x}, {y}): {g[0]} vs {d0}");
            Assert.True(Math.Abs(g[1] - d1) <= 0.02 * (1 + Math.Abs(d1)), $"d/dy at ({x}, {y}): {g[1]} vs {d1}");
        }

        for (int k = 0; k < 8; k++)
        {
            var (cx, cy) = target.Centre(k);
            Assert.Equal(k, target.NearestMode(cx + 0.9, cy - 0.9));
        }

        float[] points = [5f, 0f, 4.9f, 0.2f, 0f, 5f, -5f, 0f];
        var shares = target.ModeFractions(points);
        Assert.Equal([0.5, 0, 0.25, 0, 0.25, 0, 0, 0], shares);
        Assert.Equal(3, target.CoveredModes(points, 0.25));
    }

    [Fact]
    public void Delegate_targets_are_checked_and_called()
    {
        int calls = 0;
        var target = UnnormalizedDensity.FromDelegate(
            (points, logDensity, gradient) =>
            {
                calls++;
                for (int i = 0; i < logDensity.Length; i++)
                {
                    logDensity[i] = -points[i];
                }
            },
            dimension: 1);
        var values = new float[2];
        target.Evaluate([1f, 2f], values, []);
        Assert.Equal([-1f, -2f], values);
        Assert.Equal(1, calls);
        Assert.Throws<ArgumentException>(() => target.Evaluate([1f, 2f], new float[3], []));
    }
}
