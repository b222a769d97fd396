using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class BinaryConcreteTests
{
    [Fact]
    public void Graph_samples_match_the_scalar_sampler()
    {
        var random = new RandomSource(4);
        float[] logits = [-2f, -0.3f, 0f, 0.8f, 3f];
        var u = new float[logits.Length];
        random.FillUniform(u);
        var tape = new Tape(threads: 1);
        var x = tape.Value(BinaryConcrete.Sample(tape, tape.Constant(Tensor.FromValues(logits, 5)), tape.Constant(Tensor.FromValues(u, 5)), 0.4f));
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(BinaryConcrete.Sample(logits[i], u[i], 0.4f), x.Span[i], 1e-5f);
        }

        // Uniforms of exactly 0 and 1 are clamped, not turned into infinities.
        var ends = tape.Value(BinaryConcrete.LogitSample(tape, tape.Constant(Tensor.FromValues([0f, 0f], 2)), tape.Constant(Tensor.FromValues([0f, 1f], 2)), 1f));
        Assert.All(ends.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Logit_samples_are_logistic_kolmogorov_smirnov()
    {
        // y = (logit + log u - log(1 - u)) / tau has CDF sigmoid(tau y - logit).
        const float logit = 0.6f, tau = 0.3f;
        const int n = 20_000;
        var random = new RandomSource(19);
        var u = new Tensor(n);
        random.FillUniform(u.Span);
        var tape = new Tape(threads: 1);
        var y = tape.Value(BinaryConcrete.LogitSample(tape, tape.Constant(Tensor.FromValues([logit], 1)), tape.Constant(u), tau)).ToArray();
        Array.Sort(y);
        double ks = 0;
        for (int r = 0; r < n; r++)
        {
            double cdf = 1 / (1 + Math.Exp(-((tau * y[r]) - logit)));
            ks = Math.Max(ks, Math.Max(((r + 1.0) / n) - cdf, cdf - ((double)r / n)));
        }

        Assert.True(ks < 1.95 / Math.Sqrt(n), $"KS statistic {ks:F4} above the p = 0.001 critical value");
    }

    [Fact]
    public void The_probability_of_exceeding_one_half_is_the_bernoulli_probability_at_any_temperature()
    {
        // x > 1/2 exactly when logit + Logistic(0, 1) > 0, whose probability is sigmoid(logit).
        const float logit = -0.8f;
        const int n = 50_000;
        double p = 1 / (1 + Math.Exp(-logit));
        var random = new RandomSource(23);
        foreach (float tau in new[] { 0.1f, 1f, 3f })
        {
            int above = 0;
            for (int i = 0; i < n; i++)
            {
                if (BinaryConcrete.Sample(logit, random, tau) > 0.5f)
                {
                    above++;
                }
            }

            // 5 binomial standard errors.
            Assert.Equal(p, (double)above / n, 5 * Math.Sqrt(p * (1 - p) / n));
        }
    }

    [Theory]
    [InlineData(0.3, 1.2)]
    [InlineData(1.0, -0.5)]
    [InlineData(2.5, 0.0)]
    public void Density_integrates_to_one_over_the_unit_interval(double tau, double logit)
    {
        // Substituting x = sigmoid(t), dx = x (1 - x) dt, on a window of +-60 logistic scales. In float64 sigmoid(t)
        // rounds to 1 for t > 37 and 1 - x loses relative accuracy well before that (about 1e-3 at t = 30), so the
        // x-space integral covers |t| < 20, where 1 - x is exact to 1e-7 relative, and is compared with the
        // logit-space integral over the same points; the logit-space integral over the whole window must be 1.
        double centre = logit / tau, halfWidth = 60 / tau, h = 1e-3 / tau;
        double overX = 0, overLogitWhereXExists = 0, overLogit = 0;
        for (double t = centre - halfWidth; t <= centre + halfWidth; t += h)
        {
            double x = 1 / (1 + Math.Exp(-t));
            double logitSpace = Math.Exp(BinaryConcrete.LogDensityAtLogit(logit, t, tau)) * h;
            overLogit += logitSpace;
            if (Math.Abs(t) < 20)
            {
                overX += Math.Exp(BinaryConcrete.LogDensity(logit, x, tau)) * x * (1 - x) * h;
                overLogitWhereXExists += logitSpace;
            }
        }

        Assert.Equal(1.0, overLogit, 1e-6);
        Assert.Equal(overLogitWhereXExists, overX, 1e-6);
        Assert.True(overX > 0.98, $"x-space mass {overX}");
    }

    [Fact]
    public void Reparameterised_samples_carry_gradients_to_the_logits()
    {
        var logits = new Parameter("logits", Tensor.FromValues([0.2f, -1f, 1.5f], 3));
        var u = new Tensor(8, 3);
        new RandomSource(2).FillUniform(u.Span);
        var tape = new Tape(threads: 1);
        var x = BinaryConcrete.Sample(tape, tape.Param(logits), tape.Constant(u), 0.5f);
        tape.Backward(tape.SumAll(x));
        Assert.All(logits.Grad.ToArray(), g => Assert.True(g > 0f)); // a larger logit pushes every sample up
    }

    [Fact]
    public void Invalid_temperatures_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryConcrete.LogDensity(0.1, 0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryConcrete.Sample(0.1f, 0.5f, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryConcrete.LogDensityAtLogit(0.1, 0.5, double.NaN));
    }
}
