using MLNetMixture.Training.Datasets;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class ToyDensities2DTests
{
    [Theory]
    [InlineData(ToyDensity2D.Moons, 4.0)]
    [InlineData(ToyDensity2D.EightGaussians, 4.5)]
    [InlineData(ToyDensity2D.Checkerboard, 4.0)]
    [InlineData(ToyDensity2D.Pinwheel, 6.0)]
    [InlineData(ToyDensity2D.Rings, 3.6)]
    [InlineData(ToyDensity2D.TwoSpirals, 4.5)]
    public void Samples_are_seeded_finite_and_in_range(ToyDensity2D shape, double bound)
    {
        var a = ToyDensities2D.Sample(shape, 2000, seed: 1);
        Assert.Equal(4000, a.Length);
        Assert.Equal(a, ToyDensities2D.Sample(shape, 2000, seed: 1));
        Assert.NotEqual(a, ToyDensities2D.Sample(shape, 2000, seed: 2));
        Assert.All(a, v => Assert.True(float.IsFinite(v) && Math.Abs(v) < bound, $"{v} outside ±{bound}"));
    }

    [Theory]
    [InlineData(ToyDensity2D.EightGaussians)]
    [InlineData(ToyDensity2D.Checkerboard)]
    public void True_densities_integrate_to_one_and_are_positive_on_their_samples(ToyDensity2D shape)
    {
        const int n = 801;
        double lo = -6, step = 12.0 / (n - 1), mass = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                mass += Math.Exp(ToyDensities2D.TrueLogDensity(shape, lo + ((i + 0.5) * step), lo + ((j + 0.5) * step)));
            }
        }

        Assert.Equal(1.0, mass * step * step, 2);
        var samples = ToyDensities2D.Sample(shape, 1000, seed: 3);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(double.IsFinite(ToyDensities2D.TrueLogDensity(shape, samples[2 * i], samples[(2 * i) + 1])));
        }
    }

    [Fact]
    public void Eight_gaussians_put_an_eighth_of_the_draws_near_each_centre()
    {
        var samples = ToyDensities2D.Sample(ToyDensity2D.EightGaussians, 8000, seed: 4);
        var counts = new int[8];
        for (int i = 0; i < 8000; i++)
        {
            double angle = Math.Atan2(samples[(2 * i) + 1], samples[2 * i]);
            counts[(int)Math.Round(angle / (Math.PI / 4)) & 7]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.Equal(-Math.Log(32), ToyDensities2D.TrueLogDensity(ToyDensity2D.Checkerboard, -3.5, -3.5), 12);
        Assert.True(double.IsNegativeInfinity(ToyDensities2D.TrueLogDensity(ToyDensity2D.Checkerboard, -1.5, -3.5)));
        Assert.Throws<NotSupportedException>(() => ToyDensities2D.TrueLogDensity(ToyDensity2D.Moons, 0, 0));
    }
}
