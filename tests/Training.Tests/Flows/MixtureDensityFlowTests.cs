using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class MixtureDensityFlowTests
{
    [Fact]
    public void Density_with_mixture_base_and_standardizer_integrates_to_one()
    {
        var model = Build(components: 3, seed: 5);
        // A 2D grid over the region holding essentially all mass (data units: std 2, mean (1, -1)).
        const int n = 301;
        double lo = -14, hi = 14, h = (hi - lo) / (n - 1);
        var grid = new Tensor(n * n, 2);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                grid[(i * n) + j, 0] = (float)(lo + (i * h) + 1);
                grid[(i * n) + j, 1] = (float)(lo + (j * h) - 1);
            }
        }

        var tape = new Tape(1) { RecordGradients = false };
        var logp = tape.Value(model.LogDensity(tape, tape.Constant(grid)));
        double mass = logp.ToArray().Sum(v => Math.Exp(v)) * h * h;
        Assert.InRange(mass, 0.99, 1.01);
    }

    [Fact]
    public void Straight_through_samples_score_the_same_in_both_directions_and_posterior_sums_to_one()
    {
        var model = Build(components: 4, seed: 9);
        var r = new RandomSource(3);
        var tape = new Tape(1);
        var u = new Tensor(64, 4);
        var w = new Tensor(64, 2);
        r.FillUniform(u.Span);
        r.FillNormal(w.Span);
        var (x, logq) = model.Sample(tape, tape.Constant(u), tape.Constant(w), temperature: 0.5f, straightThrough: true);
        var (logp, posterior) = model.LogDensityAndPosterior(tape, tape.Constant(tape.Value(x).Clone()));
        var a = tape.Value(logq).ToArray();
        var b = tape.Value(logp).ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i], a[i], 2);
        }

        var post = tape.Value(posterior);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(1f, post.RowSpan(i).ToArray().Sum(), 4);
        }
    }

    [Fact]
    public void Gradients_reach_base_weights_means_sigmas_and_flow_parameters_through_soft_samples()
    {
        var model = Build(components: 3, seed: 2);
        var r = new RandomSource(4);
        var tape = new Tape(1);
        var u = new Tensor(32, 3);
        var w = new Tensor(32, 2);
        r.FillUniform(u.Span);
        r.FillNormal(w.Span);
        var (x, logq) = model.Sample(tape, tape.Constant(u), tape.Constant(w), temperature: 0.7f);
        // A reverse-KL-like objective: mean(log q(x) + 0.5 |x|^2).
        var loss = tape.MeanAll(tape.Add(logq, tape.MultiplyScalar(tape.Sum(tape.Square(x), -1), 0.5f)));
        tape.Backward(loss);
        foreach (var p in model.Parameters.Where(p => p.Trainable))
        {
            Assert.True(p.Grad.ToArray().Any(g => g != 0f), $"no gradient reached {p.Name}");
            Assert.All(p.Grad.ToArray(), g => Assert.True(float.IsFinite(g)));
        }
    }

    [Fact]
    public void One_component_base_is_a_frozen_standard_normal()
    {
        var b = MixtureDensityFlow.StandardNormalBase("base", 3);
        Assert.All(b.Parameters, p => Assert.False(p.Trainable));
        Assert.Equal(-3 * 0.91893853320467274, b.LogDensity([0f, 0f, 0f]), 5);
    }

    private static MixtureDensityFlow Build(int components, ulong seed)
    {
        var r = new RandomSource(seed);
        var flow = new FlowSequence(
            new AffineCouplingLayer("c0", CouplingPartition.Alternating(2), [16], Activation.Tanh, r, scaleBound: 1f),
            new PermutationLayer([1, 0]),
            new RationalQuadraticSplineCouplingLayer("c1", CouplingPartition.Alternating(2), [16], Activation.Tanh, r, bins: 6, bound: 3f));
        foreach (var p in flow.Parameters)
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value.Span[i] += 0.1f * (float)r.NextNormal();
            }
        }

        var baseDist = new DiagonalGaussianMixture("base", components, 2);
        baseDist.InitializeSpread(r, meanScale: 1.5f, logSigma: -0.5f);
        var std = new Standardizer("std", 2);
        std.Mean.Value.Span[0] = 1f;
        std.Mean.Value.Span[1] = -1f;
        std.InverseStd.Value.Fill(0.5f);
        return new MixtureDensityFlow(flow, baseDist, std);
    }
}
