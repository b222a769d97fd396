using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class GumbelTests
{
    [Fact]
    public void Uniforms_are_clamped_so_the_noise_is_finite_at_both_ends()
    {
        Assert.Equal(1f, Gumbel.UniformUpperBound + Gumbel.UniformEpsilon);
        Assert.True(Gumbel.UniformUpperBound < 1f);
        Assert.Equal(Gumbel.FromUniform(Gumbel.UniformEpsilon), Gumbel.FromUniform(0f));
        Assert.Equal(Gumbel.FromUniform(Gumbel.UniformEpsilon), Gumbel.FromUniform(-3f));
        Assert.Equal(Gumbel.FromUniform(Gumbel.UniformUpperBound), Gumbel.FromUniform(1f));

        // -log(-log(2^-24)) = -log(24 ln 2) and -log(-log(1 - 2^-24)) ≈ 24 ln 2.
        Assert.Equal(-Math.Log(24 * Math.Log(2)), Gumbel.FromUniform(0f), 1e-5);
        Assert.Equal(24 * Math.Log(2), Gumbel.FromUniform(1f), 1e-4);
    }

    [Fact]
    public void Graph_noise_matches_the_float64_scalar_transform()
    {
        float[] u = [0f, 1e-30f, Gumbel.UniformEpsilon, 1e-4f, 0.1f, 0.3678794f, 0.5f, 0.9f, 0.999f, 0.99999f, Gumbel.UniformUpperBound, 1f];
        var tape = new Tape(threads: 1);
        var noise = tape.Value(Gumbel.Noise(tape, tape.Constant(Tensor.FromValues(u, u.Length)))).ToArray();
        for (int i = 0; i < u.Length; i++)
        {
            float expected = Gumbel.FromUniform(u[i]);
            Assert.True(float.IsFinite(noise[i]));

            // float32 logs near u = 1 lose relative accuracy in log u itself; 1e-4 relative to max(1, |g|) still holds.
            Assert.True(Math.Abs(noise[i] - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"u = {u[i]}: graph {noise[i]}, scalar {expected}");
        }
    }

    [Fact]
    public void Draws_have_the_gumbel_mean_and_variance()
    {
        // Gumbel(0, 1): mean = Euler-Mascheroni gamma, variance = pi^2 / 6. With n = 200000 the standard error of the
        // mean is 0.0029 and of the variance about 0.0077 (excess kurtosis 2.4); both bounds are about 5 standard errors.
        var random = new RandomSource(2024);
        const int n = 200_000;
        var g = new float[n];
        Gumbel.Fill(random, g);
        double mean = g.Average(v => (double)v);
        double variance = g.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        Assert.Equal(0.5772156649, mean, 0.015);
        Assert.Equal(Math.PI * Math.PI / 6, variance, 0.04);
    }

    [Fact]
    public void Gumbel_max_frequencies_match_softmax_probabilities_chi_square()
    {
        float[] logits = [1.0f, -0.5f, 0.3f, 2.0f, -2.0f];
        double lse = Math.Log(logits.Sum(l => Math.Exp(l)));
        var p = logits.Select(l => Math.Exp(l - lse)).ToArray();
        var random = new RandomSource(12345);
        const int n = 100_000;
        var counts = new int[logits.Length];
        for (int i = 0; i < n; i++)
        {
            counts[Gumbel.SampleCategorical(logits, random)]++;
        }

        double chiSquare = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            double expected = n * p[k];
            chiSquare += (counts[k] - expected) * (counts[k] - expected) / expected;
        }

        // 4 degrees of freedom: the upper 0.1% point of chi-square(4) is 18.467 (p-threshold 0.001).
        Assert.True(chiSquare < 18.467, $"chi-square {chiSquare:F2} with counts [{string.Join(", ", counts)}]");

        // And the test can fail: the same counts against uniform probabilities are rejected.
        double chiUniform = counts.Sum(c => (c - (n / 5.0)) * (c - (n / 5.0)) / (n / 5.0));
        Assert.True(chiUniform > 18.467);
    }

    [Fact]
    public void Gumbel_max_with_given_uniforms_is_the_argmax_of_perturbed_logits()
    {
        var random = new RandomSource(7);
        float[] logits = [0.2f, -1f, 0.7f, 0.1f];
        var u = new float[4];
        for (int trial = 0; trial < 100; trial++)
        {
            random.FillUniform(u);
            var perturbed = logits.Select((l, k) => l + Gumbel.FromUniform(u[k])).ToArray();
            Assert.Equal(Array.IndexOf(perturbed, perturbed.Max()), Gumbel.ArgMax(logits, u));
        }
    }

    [Fact]
    public void A_class_with_minus_infinite_logit_is_never_drawn()
    {
        float[] logits = [float.NegativeInfinity, 0f, float.NegativeInfinity];
        var random = new RandomSource(3);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(1, Gumbel.SampleCategorical(logits, random));
        }
    }

    [Fact]
    public void Mismatched_or_empty_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Gumbel.ArgMax([1f, 2f], [0.5f]));
        Assert.Throws<ArgumentException>(() => Gumbel.ArgMax([], []));
        Assert.Throws<ArgumentException>(() => Gumbel.SampleCategorical([], new RandomSource(1)));
        Assert.Throws<ArgumentException>(() => Gumbel.FromUniforms([0.5f, 0.5f], new float[1]));
    }
}
