using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows.ReverseKl;

/// <summary>The exact mixture base density against its nested Monte-Carlo estimate.</summary>
public sealed class ReverseKlBaseDensityTests(ITestOutputHelper output)
{
    private static DiagonalGaussianMixture Mixture()
    {
        var m = new DiagonalGaussianMixture("base", 4, 2);
        float[] logits = [0.5f, -0.3f, 0.1f, -1f];
        float[] means = [-1.5f, 0f, 1f, 1f, 0.5f, -1.2f, 2f, 2f];
        float[] logSigmas = [-0.2f, 0.1f, -0.7f, -0.4f, 0f, -0.3f, 0.3f, -0.5f];
        logits.CopyTo(m.WeightLogits.Value.Span);
        means.CopyTo(m.Means.Value.Span);
        logSigmas.CopyTo(m.LogSigmas.Value.Span);
        return m;
    }

    [Fact]
    public void Nested_estimate_agrees_with_the_exact_density_on_average_and_its_bias_shrinks_with_M()
    {
        var mixture = Mixture();
        const int points = 100, repeats = 40;
        var z = mixture.SampleAncestral(new RandomSource(1), points);
        var tape = new Tape(1) { RecordGradients = false };
        var exact = tape.Value(mixture.LogDensity(tape, tape.Constant(z))).ToArray();

        // Each point repeated: rows [repeat * points + i] = z_i.
        var repeated = new Tensor(points * repeats, 2);
        for (int r = 0; r < repeats; r++)
        {
            z.Span.CopyTo(repeated.Span.Slice(r * points * 2, points * 2));
        }

        var random = new RandomSource(2);
        var bias = new List<double>();
        foreach (int m in new[] { 1, 4, 16, 64 })
        {
            tape.Reset();
            var uniforms = new Tensor(points * repeats, m, 4);
            random.FillUniform(uniforms.Span);
            var nested = tape.Value(NestedMonteCarloMixtureDensity.LogDensity(tape, mixture, tape.Constant(repeated), tape.Constant(uniforms), 0.5f)).ToArray();

            // Mean over points of (exact − mean over repeats of the estimate): Jensen makes it non-negative.
            double gap = 0, below = 0;
            for (int i = 0; i < nested.Length; i++)
            {
                gap += (exact[i % points] - nested[i]) / nested.Length;

                // The estimate of p itself, exp(nested), is unbiased: its mean over repeats is checked below.
                below += Math.Exp(nested[i] - exact[i % points]) / nested.Length;
            }

            output.WriteLine($"M = {m,2}: mean(log p - nested) = {gap:F4}, mean(p_nested / p) = {below:F4}");
            bias.Add(gap);
            Assert.InRange(below, 0.93, 1.07);
        }

        Assert.True(bias[0] > 0, $"M = 1 gap {bias[0]}");
        for (int i = 1; i < bias.Count; i++)
        {
            Assert.True(bias[i] < 0.6 * bias[i - 1], $"The gap did not shrink from M = {1 << (2 * (i - 1))} to M = {1 << (2 * i)}: {bias[i - 1]} -> {bias[i]}");
        }

        Assert.InRange(bias[^1], -0.01, 0.03);
    }

    [Fact]
    public void Nested_estimate_with_one_draw_is_the_log_density_of_the_drawn_component()
    {
        var mixture = Mixture();
        var z = mixture.SampleAncestral(new RandomSource(3), 20);
        var uniforms = new Tensor(20, 1, 4);
        new RandomSource(4).FillUniform(uniforms.Span);
        var tape = new Tape(1) { RecordGradients = false };
        var nested = tape.Value(NestedMonteCarloMixtureDensity.LogDensity(tape, mixture, tape.Constant(z), tape.Constant(uniforms), 1f)).ToArray();
        var components = tape.Value(mixture.ComponentLogDensities(tape, tape.Constant(z)));
        var logits = mixture.WeightLogits.Value.ToArray();
        var soft = new float[4];
        for (int i = 0; i < 20; i++)
        {
            int k = GumbelSoftmax.Sample(logits, uniforms.Span.Slice(i * 4, 4), 1f, soft);
            Assert.Equal(components[i, k], nested[i], 4);
        }
    }

    [Fact]
    public void Exact_base_density_gives_lower_gradient_variance_for_the_base_parameters_and_the_same_for_the_flow()
    {
        var target = new CircularGaussianMixtureDensity(modes: 4, radius: 2.5, sigma: 0.6);
        var options = SmallReverseKlOptions.Create(components: 4, epochs: 20, samplesPerStep: 64, interval: 2, seed: 3, evaluationSamples: 128) with { InitialOutputScale = 2f };
        var model = ReverseKlFitting.CreateModel(2, options, new RandomSource(3));
        ReverseKlFitting.FitToTarget(model, target, options, cancellationToken: TestContext.Current.CancellationToken); // a few steps so every parameter is away from its start

        var groups = new[] { model.Base.WeightLogits, model.Base.Means, model.Base.LogSigmas, model.Flow.Layers[1].Parameters[^2] };
        var exact = GradientVariance(model, target, groups, ReverseKlBaseDensity.Exact, 1);
        var nested4 = GradientVariance(model, target, groups, ReverseKlBaseDensity.NestedMonteCarlo, 4);
        var nested32 = GradientVariance(model, target, groups, ReverseKlBaseDensity.NestedMonteCarlo, 32);
        for (int g = 0; g < groups.Length; g++)
        {
            output.WriteLine($"{groups[g].Name,-36} gradient variance: exact {exact[g]:E3}, nested M=4 {nested4[g]:E3}, nested M=32 {nested32[g]:E3}");
        }

        // The base parameters: the exact density has the lower variance; M = 32 draws close most of the gap.
        for (int g = 0; g < 3; g++)
        {
            Assert.True(exact[g] < nested4[g], $"{groups[g].Name}: exact {exact[g]} vs nested {nested4[g]}");
            Assert.True(nested32[g] < nested4[g], $"{groups[g].Name}: M = 32 {nested32[g]} vs M = 4 {nested4[g]}");
        }

        // A flow parameter: the base point z0 of a sample does not depend on the flow, so neither does log p_base(z0),
        // and the flow's gradient is the same whichever way the base density is computed.
        Assert.Equal(exact[3], nested4[3], 6);
        Assert.Equal(exact[3], nested32[3], 6);
    }

    /// <summary>Σ over the elements of each group of the variance of d loss / d element across 40 noise draws (same draws for every estimator).</summary>
    private static double[] GradientVariance(MixtureDensityFlow model, IUnnormalizedDensity target, Parameter[] groups, ReverseKlBaseDensity density, int draws)
    {
        const int repeats = 40;
        var tape = new Tape(1);
        var sums = groups.Select(p => new double[p.Value.Length]).ToArray();
        var squares = groups.Select(p => new double[p.Value.Length]).ToArray();
        for (int r = 0; r < repeats; r++)
        {
            foreach (var p in model.Parameters)
            {
                p.ZeroGrad();
            }

            tape.Reset();
            var (loss, _, _, _) = ReverseKlObjective.Record(tape, model, target, new RandomSource(100 + (ulong)r), 64, 0.5f, ComponentSelection.StraightThrough, density, draws);
            tape.Backward(loss);
            for (int g = 0; g < groups.Length; g++)
            {
                var grad = groups[g].Grad.Span;
                for (int i = 0; i < grad.Length; i++)
                {
                    sums[g][i] += grad[i];
                    squares[g][i] += (double)grad[i] * grad[i];
                }
            }
        }

        return [.. Enumerable.Range(0, groups.Length).Select(g => sums[g].Select((s, i) => (squares[g][i] / repeats) - ((s / repeats) * (s / repeats))).Sum() * repeats / (repeats - 1))];
    }
}
