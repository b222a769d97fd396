using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>End-to-end check of the log-det conventions: a flow's density must integrate to one.</summary>
public sealed class FlowDensityIntegrationTests
{
    private static FlowSequence CreateFlow(ulong seed, float perturbation = 0.12f)
    {
        const int d = 2;
        var random = new RandomSource(seed);
        var flow = new FlowSequence(
            new ActNormLayer("a0", d),
            new AffineCouplingLayer("c1", CouplingPartition.Alternating(d), [16], Activation.Tanh, random, scaleBound: 1f),
            new RationalQuadraticSplineCouplingLayer("s2", CouplingPartition.Alternating(d, transformOdd: false), [16], Activation.Tanh, random, bins: 6, bound: 3f),
            new LuLinearLayer("w3", d, random),
            new MaskedAutoregressiveLayer("m4", d, [16], Activation.Tanh, random, scaleBound: 1f),
            PermutationLayer.Reverse(d),
            new RationalQuadraticSplineCouplingLayer("s6", CouplingPartition.Halves(d), [16], Activation.Relu, random, bins: 5, bound: 2.5f),
            new AffineCouplingLayer("c7", CouplingPartition.Halves(d, transformSecondHalf: false), [16], Activation.Elu, random, scaleBound: 1f));

        // Data-dependent start from a shifted, anisotropic batch, then random parameters throughout.
        var data = FlowProbe.Normal(random, 256, d);
        for (int i = 0; i < 256; i++)
        {
            data[i, 0] = (1.5f * data[i, 0]) + 1f;
            data[i, 1] = (0.7f * data[i, 1]) - 0.5f;
        }

        flow.InitializeFrom(data);
        FlowProbe.Perturb(flow, random, perturbation);
        return flow;
    }

    /// <summary>log N(z; 0, I) of each row of z [N, D].</summary>
    private static Var StandardNormalLogDensity(IComputeGraph graph, Var z, int dimension) =>
        graph.AddScalar(graph.MultiplyScalar(graph.Sum(graph.Square(z), 1), -0.5f), (float)(-0.5 * dimension * Math.Log(2 * Math.PI)));

    [Theory]
    [InlineData(22UL)]
    [InlineData(23UL)]
    public void The_density_of_a_composed_flow_integrates_to_one(ulong seed)
    {
        var flow = CreateFlow(seed);
        const float half = 16f;
        const int points = 401;
        const float step = 2 * half / (points - 1);
        const int chunk = points * 64;
        var tape = new Tape(threads: 1) { RecordGradients = false };
        double total = 0;
        double peak = 0;
        var rows = new Tensor(chunk, 2);
        for (int start = 0; start < points * points; start += chunk)
        {
            int n = Math.Min(chunk, (points * points) - start);
            var batch = n == chunk ? rows : new Tensor(n, 2);
            for (int r = 0; r < n; r++)
            {
                int index = start + r;
                batch[r, 0] = -half + (step * (index / points));
                batch[r, 1] = -half + (step * (index % points));
            }

            tape.Reset();
            var (z, logDet) = flow.Forward(tape, tape.Constant(batch));
            var logDensity = tape.Value(tape.Add(StandardNormalLogDensity(tape, z, 2), logDet));
            foreach (float v in logDensity.Span)
            {
                double p = Math.Exp(v);
                total += p;
                peak = Math.Max(peak, p);
            }
        }

        double integral = total * step * step;
        Assert.True(Math.Abs(integral - 1.0) < 0.01, $"∫ p(x) dx = {integral}");

        // The flow is far from the standard normal (whose peak density is 1/2π ≈ 0.159), yet smooth enough
        // for the grid to resolve (a needle-sharp density would need a finer grid, not a different flow).
        Assert.InRange(peak, 0.25, 2.0);
    }

    [Fact]
    public void Samples_mapped_back_through_the_flow_have_the_base_log_density_shifted_by_the_log_det()
    {
        var flow = CreateFlow(22UL);
        var z = FlowProbe.Normal(new RandomSource(5), 500, 2);
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var (x, sampleLogDet) = flow.Inverse(tape, tape.Constant(z));
        var (zBack, densityLogDet) = flow.Forward(tape, x);
        var logDensity = tape.Value(tape.Add(StandardNormalLogDensity(tape, zBack, 2), densityLogDet));
        var baseLogDensity = tape.Value(StandardNormalLogDensity(tape, tape.Constant(z), 2));
        var sampled = tape.Value(sampleLogDet);
        for (int r = 0; r < 500; r++)
        {
            // log p(x) = log p_base(z) - log|det dx/dz|.
            double expected = baseLogDensity.Span[r] - sampled.Span[r];
            Assert.True(Math.Abs(expected - logDensity.Span[r]) < 1e-3 * (1 + Math.Abs(expected)), $"sample {r}: {logDensity.Span[r]} vs {expected}");
        }
    }
}
