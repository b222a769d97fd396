using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tests.Randomness;

public sealed class RandomSourceTests
{
    [Fact]
    public void Same_seed_same_stream_and_forks_differ()
    {
        var a = new RandomSource(42);
        var b = new RandomSource(42);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }

        Assert.NotEqual(new RandomSource(42).Fork(1).NextUInt64(), new RandomSource(42).Fork(2).NextUInt64());
    }

    [Fact]
    public void Open_uniforms_stay_strictly_inside_zero_and_one_even_at_the_extreme_bit_patterns()
    {
        // The largest and smallest 23-bit cells must map strictly inside (0, 1) in float32.
        float top = ((float)((1 << 23) - 1) + 0.5f) * (1f / (1 << 23));
        float bottom = (0f + 0.5f) * (1f / (1 << 23));
        Assert.True(top < 1f, $"top cell gives {top:R}");
        Assert.True(bottom > 0f);

        var r = new RandomSource(7);
        double sum = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            float u = r.NextOpenUniform();
            Assert.InRange(u, float.Epsilon, 1f - 1e-8f);
            sum += u;
        }

        Assert.Equal(0.5, sum / n, 2);
    }

    [Fact]
    public void Normals_have_unit_variance()
    {
        var r = new RandomSource(3);
        double s = 0, s2 = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            double x = r.NextNormal();
            s += x;
            s2 += x * x;
        }

        Assert.Equal(0, s / n, 1);
        Assert.Equal(1, (s2 / n) - ((s / n) * (s / n)), 1);
    }
}
