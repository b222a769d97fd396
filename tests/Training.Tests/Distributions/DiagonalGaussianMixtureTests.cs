using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class DiagonalGaussianMixtureTests
{
    private const double LogSqrt2Pi = 0.91893853320467274178;

    [Fact]
    public void One_component_with_zero_mean_and_log_sigma_is_the_standard_normal()
    {
        var mixture = new DiagonalGaussianMixture("base", 1, 3);
        var random = new RandomSource(1);
        var z = new Tensor(20, 3);
        random.FillNormal(z.Span, 0f, 2f);
        var tape = new Tape(threads: 1);
        var zv = tape.Constant(z);
        var density = tape.Value(mixture.LogDensity(tape, zv));
        var posterior = tape.Value(mixture.Posterior(tape, zv));
        for (int n = 0; n < 20; n++)
        {
            double squared = z.RowSpan(n).ToArray().Sum(v => (double)v * v);
            double expected = (-0.5 * squared) - (3 * LogSqrt2Pi);
            Assert.Equal(expected, density.Span[n], 1e-5 * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(expected, mixture.LogDensity(z.RowSpan(n)), 1e-12 * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(1f, posterior.Span[n]);
        }

        // The reparameterised sampler then returns the normals themselves.
        var u = new Tensor(20, 1);
        random.FillUniform(u.Span);
        var sample = tape.Value(mixture.Sample(tape, tape.Constant(u), zv, 0.5f));
        Assert.Equal(z.ToArray(), sample.ToArray());
    }

    [Fact]
    public void Posterior_is_normalised_bayes_rule()
    {
        var mixture = ThreeComponentMixture();
        var random = new RandomSource(2);
        var z = new Tensor(50, 2);
        random.FillNormal(z.Span, 0f, 2.5f);
        var tape = new Tape(threads: 1);
        var zv = tape.Constant(z);
        var joint = tape.Value(mixture.JointLogDensities(tape, zv));
        var density = tape.Value(mixture.LogDensity(tape, zv));
        var posterior = tape.Value(mixture.Posterior(tape, zv));
        var logPosterior = tape.Value(mixture.LogPosterior(tape, zv));
        Assert.Equal(new[] { 50, 3 }, posterior.ShapeArray());
        for (int n = 0; n < 50; n++)
        {
            double sum = 0;
            for (int k = 0; k < 3; k++)
            {
                sum += posterior[n, k];
                Assert.Equal(Math.Exp(joint[n, k] - density.Span[n]), posterior[n, k], 1e-5);
                Assert.Equal(joint[n, k] - density.Span[n], logPosterior[n, k], 1e-4);
            }

            Assert.Equal(1.0, sum, 1e-5);
        }

        // At a component's own mean, far from the others, that component takes almost all responsibility.
        var atMeans = tape.Constant(mixture.Means.Value.Clone());
        var own = tape.Value(mixture.Posterior(tape, atMeans));
        for (int k = 0; k < 3; k++)
        {
            Assert.True(own[k, k] > 0.9f, $"p({k} | mu_{k}) = {own[k, k]}");
        }
    }

    [Fact]
    public void Ancestral_samples_have_the_mixture_mean_covariance_and_weights()
    {
        var mixture = ThreeComponentMixture();
        const int n = 100_000;
        var samples = new float[n * 2];
        var components = new int[n];
        mixture.SampleAncestral(new RandomSource(3), samples, components);
        AssertMixtureMoments(mixture, samples, n);

        var weights = Softmax(mixture.WeightLogits.Value.ToArray());
        double chiSquare = 0;
        for (int k = 0; k < 3; k++)
        {
            double expected = n * weights[k];
            double observed = components.Count(c => c == k);
            chiSquare += (observed - expected) * (observed - expected) / expected;
        }

        // 2 degrees of freedom: 13.816 is the upper 0.1% point.
        Assert.True(chiSquare < 13.816, $"chi-square(2) = {chiSquare:F2}");
    }

    [Fact]
    public void Straight_through_reparameterised_samples_are_exact_mixture_draws()
    {
        // With the straight-through selection the forward value is one component's Gaussian draw, so the moments
        // must match the mixture's exactly (up to sampling error), at any temperature.
        var mixture = ThreeComponentMixture();
        const int n = 100_000;
        var tape = new Tape(threads: 1);
        var z = tape.Value(mixture.Sample(tape, n, new RandomSource(4), temperature: 2f, straightThrough: true));
        Assert.Equal(new[] { n, 2 }, z.ShapeArray());
        AssertMixtureMoments(mixture, z.ToArray(), n);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reparameterised_samples_give_gradients_to_weights_means_and_log_sigmas(bool straightThrough)
    {
        var mixture = ThreeComponentMixture();
        var random = new RandomSource(5);
        var u = new Tensor(64, 3);
        random.FillUniform(u.Span);
        var w = new Tensor(64, 2);
        random.FillNormal(w.Span);

        float Loss()
        {
            var tape = new Tape(threads: 1);
            var z = mixture.Sample(tape, tape.Constant(u), tape.Constant(w), 0.7f, straightThrough);
            return tape.Value(tape.MeanAll(tape.Square(tape.AddScalar(z, -1f)))).Span[0];
        }

        foreach (var p in mixture.Parameters)
        {
            p.ZeroGrad();
        }

        var t = new Tape(threads: 1);
        var sample = mixture.Sample(t, t.Constant(u), t.Constant(w), 0.7f, straightThrough);
        t.Backward(t.MeanAll(t.Square(t.AddScalar(sample, -1f))));
        foreach (var p in mixture.Parameters)
        {
            Assert.All(p.Grad.ToArray(), g => Assert.True(Math.Abs(g) > 1e-6f, $"{p.Name} has a zero gradient entry"));

            // Each entry against a central finite difference of the float32 loss (h = 1e-2: the loss is smooth, and
            // a larger step keeps float32 rounding of the loss, about 1e-7 relative, well below the difference).
            // The straight-through forward pass is piecewise constant in the weight logits, so their straight-through
            // gradient is the soft surrogate by design and has no finite difference to match; means and log-sigmas
            // enter the forward pass smoothly in both variants.
            if (straightThrough && p == mixture.WeightLogits)
            {
                continue;
            }

            for (int i = 0; i < p.Value.Length; i++)
            {
                float saved = p.Value.Span[i];
                p.Value.Span[i] = saved + 1e-2f;
                float up = Loss();
                p.Value.Span[i] = saved - 1e-2f;
                float down = Loss();
                p.Value.Span[i] = saved;
                double numeric = (up - down) / 2e-2;
                Assert.True(Math.Abs(numeric - p.Grad.Span[i]) <= 1e-3 + (2e-2 * Math.Abs(numeric)), $"{p.Name}[{i}]: analytic {p.Grad.Span[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void Gradient_ascent_on_the_log_likelihood_fits_data()
    {
        // Maximum likelihood by plain gradient steps through the graph log-density improves the fit and moves the
        // parameters toward the data-generating mixture.
        var truth = ThreeComponentMixture();
        var data = truth.SampleAncestral(new RandomSource(6), 1000);
        var model = new DiagonalGaussianMixture("model", 3, 2);
        model.InitializeSpread(new RandomSource(7), meanScale: 1f);
        double first = 0, last = 0;
        var tape = new Tape(threads: 1);
        for (int step = 0; step < 200; step++)
        {
            foreach (var p in model.Parameters)
            {
                p.ZeroGrad();
            }

            tape.Reset();
            var nll = tape.Negate(tape.MeanAll(model.LogDensity(tape, tape.Constant(data))));
            double value = tape.Value(nll).Span[0];
            first = step == 0 ? value : first;
            last = value;
            tape.Backward(nll);
            foreach (var p in model.Parameters)
            {
                for (int i = 0; i < p.Value.Length; i++)
                {
                    p.Value.Span[i] -= 0.1f * p.Grad.Span[i];
                }
            }
        }

        double truthNll = -data.ToArray().Chunk(2).Average(row => truth.LogDensity(row));
        Assert.True(last < first - 0.5, $"negative log-likelihood went from {first:F3} to {last:F3}");
        Assert.True(last < truthNll + 0.05, $"fitted NLL {last:F3} vs the true mixture's {truthNll:F3}");
    }

    [Fact]
    public void Initialisation_from_data_recovers_well_separated_clusters()
    {
        var truth = new DiagonalGaussianMixture("truth", 3, 2);
        Tensor.FromValues([0.6931f, 0.1823f, -0.2231f], 3).Span.CopyTo(truth.WeightLogits.Value.Span); // log of 0.5, 0.3, 0.2 (times 2.5)
        Tensor.FromValues([-5f, 0f, 5f, 0f, 0f, 6f], 3, 2).Span.CopyTo(truth.Means.Value.Span);
        truth.LogSigmas.Value.Fill(MathF.Log(0.5f));
        var data = truth.SampleAncestral(new RandomSource(8), 3000);

        var model = new DiagonalGaussianMixture("model", 3, 2);
        model.InitializeFromData(data, new RandomSource(9), iterations: 10);
        var fittedWeights = Softmax(model.WeightLogits.Value.ToArray());
        var trueWeights = Softmax(truth.WeightLogits.Value.ToArray());
        for (int k = 0; k < 3; k++)
        {
            // Match each true component to the nearest fitted one.
            int best = Enumerable.Range(0, 3).MinBy(j => Distance(model.Means.Value, j, truth.Means.Value, k));
            Assert.True(Distance(model.Means.Value, best, truth.Means.Value, k) < 0.1, $"component {k}");
            Assert.Equal(trueWeights[k], fittedWeights[best], 0.03);
            Assert.Equal(Math.Log(0.5), model.LogSigmas.Value[best, 0], 0.1);
            Assert.Equal(Math.Log(0.5), model.LogSigmas.Value[best, 1], 0.1);
        }
    }

    [Fact]
    public void Spread_initialisation_sets_equal_weights_spread_means_and_the_given_sigma()
    {
        var mixture = new DiagonalGaussianMixture("base", 4, 3);
        mixture.WeightLogits.Value.Fill(3f);
        mixture.InitializeSpread(new RandomSource(10), meanScale: 2f, logSigma: -0.5f);
        Assert.All(mixture.WeightLogits.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(mixture.LogSigmas.Value.ToArray(), v => Assert.Equal(-0.5f, v));
        Assert.Equal(12, mixture.Means.Value.ToArray().Distinct().Count());
        Assert.Equal(["base.weight_logits", "base.means", "base.log_sigmas"], mixture.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Wrong_shapes_are_rejected()
    {
        var mixture = new DiagonalGaussianMixture("base", 2, 3);
        var tape = new Tape(threads: 1);
        Assert.Throws<ArgumentException>(() => mixture.LogDensity(tape, tape.Constant(new Tensor(4, 2))));
        Assert.Throws<ArgumentException>(() => mixture.Sample(tape, tape.Constant(new Tensor(4, 3)), tape.Constant(new Tensor(4, 3)), 1f));
        Assert.Throws<ArgumentException>(() => mixture.LogDensity([1f, 2f]));
        Assert.Throws<ArgumentException>(() => mixture.InitializeFromData(new Tensor(0, 3), new RandomSource(1)));
    }

    private static DiagonalGaussianMixture ThreeComponentMixture()
    {
        var mixture = new DiagonalGaussianMixture("base", 3, 2);
        Tensor.FromValues([0.5f, -0.2f, 0.1f], 3).Span.CopyTo(mixture.WeightLogits.Value.Span);
        Tensor.FromValues([-2f, 1f, 1.5f, 0.5f, 0f, -2.5f], 3, 2).Span.CopyTo(mixture.Means.Value.Span);
        Tensor.FromValues([-0.5f, 0f, 0.2f, -0.3f, 0f, 0.4f], 3, 2).Span.CopyTo(mixture.LogSigmas.Value.Span);
        return mixture;
    }

    /// <summary>
    /// Sample mean and covariance against the mixture's: mean m = Σ a_k μ_k and, by the law of total variance,
    /// Cov = Σ a_k (diag σ_k² + μ_k μ_k^T) - m m^T. Each estimate must lie within 5 of its own standard errors,
    /// estimated from the sample.
    /// </summary>
    private static void AssertMixtureMoments(DiagonalGaussianMixture mixture, float[] samples, int n)
    {
        const int d = 2;
        var a = Softmax(mixture.WeightLogits.Value.ToArray());
        var mean = new double[d];
        var cov = new double[d, d];
        for (int k = 0; k < a.Length; k++)
        {
            for (int i = 0; i < d; i++)
            {
                mean[i] += a[k] * mixture.Means.Value[k, i];
                for (int j = 0; j < d; j++)
                {
                    double second = mixture.Means.Value[k, i] * (double)mixture.Means.Value[k, j];
                    if (i == j)
                    {
                        second += Math.Exp(2.0 * mixture.LogSigmas.Value[k, i]);
                    }

                    cov[i, j] += a[k] * second;
                }
            }
        }

        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                cov[i, j] -= mean[i] * mean[j];
            }
        }

        var sampleMean = new double[d];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < d; i++)
            {
                sampleMean[i] += samples[(r * d) + i] / (double)n;
            }
        }

        for (int i = 0; i < d; i++)
        {
            double se = Math.Sqrt(cov[i, i] / n);
            Assert.True(Math.Abs(sampleMean[i] - mean[i]) < 5 * se, $"mean[{i}]: sample {sampleMean[i]:F4}, mixture {mean[i]:F4}, se {se:F4}");
            for (int j = 0; j < d; j++)
            {
                double sum = 0, sumSquares = 0;
                for (int r = 0; r < n; r++)
                {
                    double product = (samples[(r * d) + i] - sampleMean[i]) * (samples[(r * d) + j] - sampleMean[j]);
                    sum += product;
                    sumSquares += product * product;
                }

                double estimate = sum / (n - 1);
                double seCov = Math.Sqrt(((sumSquares / n) - ((sum / n) * (sum / n))) / n);
                Assert.True(Math.Abs(estimate - cov[i, j]) < 5 * seCov, $"cov[{i},{j}]: sample {estimate:F4}, mixture {cov[i, j]:F4}, se {seCov:F4}");
            }
        }
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        var e = logits.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double Distance(Tensor a, int ka, Tensor b, int kb)
    {
        double s = 0;
        for (int j = 0; j < a.Shape[1]; j++)
        {
            double diff = a[ka, j] - b[kb, j];
            s += diff * diff;
        }

        return Math.Sqrt(s);
    }
}
