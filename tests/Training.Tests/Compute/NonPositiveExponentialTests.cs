using MLNetMixture.Training.Compute;

namespace MLNetMixture.Training.Tests.Compute;

public sealed class NonPositiveExponentialTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(203)] // vector body and scalar tail
    public void Matches_the_exact_exponential_within_a_few_float_ulps_over_the_whole_non_positive_range(int length)
    {
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++)
            {
                // Mostly the softmax range, some near 0 and near the underflow cut-off.
                x[i] = (i % 3) switch
                {
                    0 => (float)(-random.NextDouble() * 30),
                    1 => (float)(-random.NextDouble() * 1e-3),
                    _ => (float)(NonPositiveExponential.Cutoff + (random.NextDouble() * 2)),
                };
            }

            var y = (float[])x.Clone();
            NonPositiveExponential.InPlace(y);
            for (int i = 0; i < length; i++)
            {
                double exact = Math.Exp(x[i]);
                Assert.True(Math.Abs(y[i] - exact) <= 4 * 1.2e-7 * exact, $"exp({x[i]:R}) = {exact:R}, got {y[i]:R}");
            }
        }
    }

    [Fact]
    public void Is_exact_at_zero_and_powers_of_two()
    {
        var x = new[] { 0f, -MathF.Log(2f), -2 * MathF.Log(2f), -10 * MathF.Log(2f), 0f, 0f, 0f, 0f };
        NonPositiveExponential.InPlace(x);
        Assert.Equal(1f, x[0]);
        Assert.Equal(0.5f, x[1], 6);
        Assert.Equal(0.25f, x[2], 6);
        Assert.Equal(1f / 1024, x[3], 8);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(3)]
    public void Gives_zero_below_the_smallest_normal_float_and_keeps_nan(int length)
    {
        var x = new float[length];
        x[0] = float.NegativeInfinity;
        x[1] = -1000f;
        x[2] = float.NaN;
        NonPositiveExponential.InPlace(x);
        Assert.Equal(0f, x[0]);
        Assert.Equal(0f, x[1]);
        Assert.True(float.IsNaN(x[2]));
        for (int i = 3; i < length; i++)
        {
            Assert.Equal(1f, x[i]);
        }
    }

    [Fact]
    public void Never_returns_a_subnormal()
    {
        var x = new float[4096];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = NonPositiveExponential.Cutoff - 1f + (2f * i / x.Length);
        }

        NonPositiveExponential.InPlace(x);
        Assert.All(x, v => Assert.True(v == 0f || float.IsNormal(v), $"{v:R} is subnormal"));
    }
}
