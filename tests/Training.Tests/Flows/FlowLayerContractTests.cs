using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>What every flow layer must satisfy: exact inverse, matching log-determinants, gradients everywhere.</summary>
public sealed class FlowLayerContractTests
{
    public static TheoryData<string> Kinds => FlowLayerCatalog.Kinds;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Inverse_of_forward_returns_the_input(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        var (y, _) = FlowProbe.Run(layer, x);
        var (back, _) = FlowProbe.Run(layer, y, inverse: true);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(MathF.Abs(back.Span[i] - x.Span[i]) <= 1e-4f * MathF.Max(1f, MathF.Abs(x.Span[i])), $"element {i}: {back.Span[i]} vs {x.Span[i]}");
        }

        Assert.True(kind.StartsWith("permutation", StringComparison.Ordinal) || FlowProbe.MaxAbsDifference(x, y) > 0.05f, "the layer should not be the identity after perturbation");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_of_inverse_returns_the_latent(string kind)
    {
        var (layer, z) = FlowLayerCatalog.Create(kind, seed: 11);
        var (x, _) = FlowProbe.Run(layer, z, inverse: true);
        var (back, _) = FlowProbe.Run(layer, x);
        for (int i = 0; i < z.Length; i++)
        {
            Assert.True(MathF.Abs(back.Span[i] - z.Span[i]) <= 1e-4f * MathF.Max(1f, MathF.Abs(z.Span[i])), $"element {i}: {back.Span[i]} vs {z.Span[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Log_dets_of_the_two_directions_cancel(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        var (y, forward) = FlowProbe.Run(layer, x);
        var (_, inverse) = FlowProbe.Run(layer, y, inverse: true);
        for (int r = 0; r < forward.Length; r++)
        {
            Assert.True(MathF.Abs(forward.Span[r] + inverse.Span[r]) <= 1e-4f * (1f + MathF.Abs(forward.Span[r])), $"row {r}: {forward.Span[r]} vs {inverse.Span[r]}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_log_det_matches_the_autodiff_jacobian(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        var (_, logDet) = FlowProbe.Run(layer, x);
        var jacobian = FlowProbe.JacobianByAutodiff(layer, x);
        for (int r = 0; r < x.Shape[0]; r++)
        {
            double expected = FlowProbe.LogAbsDet(jacobian, r);
            Assert.True(Math.Abs(logDet.Span[r] - expected) <= 2e-4 * (1 + Math.Abs(expected)), $"row {r}: {logDet.Span[r]} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_log_det_matches_finite_differences(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        var (_, logDet) = FlowProbe.Run(layer, x);
        var jacobian = FlowProbe.JacobianByFiniteDifferences(layer, x, step: 2e-3f);
        for (int r = 0; r < x.Shape[0]; r++)
        {
            double expected = FlowProbe.LogAbsDet(jacobian, r);
            Assert.True(Math.Abs(logDet.Span[r] - expected) <= 2e-3 * (1 + Math.Abs(expected)), $"row {r}: {logDet.Span[r]} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Inverse_log_det_matches_the_jacobian_of_the_inverse(string kind)
    {
        var (layer, z) = FlowLayerCatalog.Create(kind, seed: 11);
        var (_, logDet) = FlowProbe.Run(layer, z, inverse: true);
        var autodiff = FlowProbe.JacobianByAutodiff(layer, z, inverse: true);
        var finite = FlowProbe.JacobianByFiniteDifferences(layer, z, step: 2e-3f, inverse: true);
        for (int r = 0; r < z.Shape[0]; r++)
        {
            double a = FlowProbe.LogAbsDet(autodiff, r);
            double f = FlowProbe.LogAbsDet(finite, r);
            Assert.True(Math.Abs(logDet.Span[r] - a) <= 2e-4 * (1 + Math.Abs(a)), $"row {r}: {logDet.Span[r]} vs autodiff {a}");
            Assert.True(Math.Abs(logDet.Span[r] - f) <= 2e-3 * (1 + Math.Abs(f)), $"row {r}: {logDet.Span[r]} vs finite differences {f}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Gradients_reach_every_parameter_in_both_directions(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        foreach (bool inverse in new[] { false, true })
        {
            foreach (var p in layer.Parameters)
            {
                p.ZeroGrad();
            }

            var tape = new Tape(threads: 1);
            var input = tape.Constant(x);
            var (y, logDet) = inverse ? layer.Inverse(tape, input) : layer.Forward(tape, input);
            tape.Backward(tape.Add(tape.SumAll(y), tape.SumAll(logDet)));
            foreach (var p in layer.Parameters.Where(p => p.Trainable))
            {
                var g = p.Grad.Span;
                Assert.True(MathF.Abs(TensorPrimitives.MaxMagnitude(g)) > 0f, $"{(inverse ? "inverse" : "forward")}: no gradient reached {p.Name}");
                for (int i = 0; i < g.Length; i++)
                {
                    Assert.True(float.IsFinite(g[i]), $"{p.Name}[{i}] = {g[i]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parameter_gradients_match_finite_differences(string kind)
    {
        var (layer, x) = FlowLayerCatalog.Create(kind);
        var weights = FlowProbe.Normal(new RandomSource(3), x.Shape[0], x.Shape[1]);
        foreach (bool inverse in new[] { false, true })
        {
            foreach (var p in layer.Parameters)
            {
                p.ZeroGrad();
            }

            var tape = new Tape(threads: 1);
            Loss(tape, layer, x, weights, inverse, out var loss);
            tape.Backward(loss);
            var probe = new RandomSource(17);
            foreach (var p in layer.Parameters.Where(p => p.Trainable))
            {
                for (int sample = 0; sample < 3; sample++)
                {
                    int i = probe.NextInt(p.Value.Length);
                    float original = p.Value.Span[i];
                    // A small step: moving a spline parameter slides knots past data points, so the loss is only
                    // piecewise smooth in the parameters and a wide stencil would straddle the kinks.
                    const float h = 1e-3f;
                    double Evaluate(float offset)
                    {
                        p.Value.Span[i] = original + offset;
                        var t = new Tape(threads: 1) { RecordGradients = false };
                        return Loss(t, layer, x, weights, inverse, out _);
                    }

                    double numeric = ((8 * (Evaluate(h) - Evaluate(-h))) - (Evaluate(2 * h) - Evaluate(-2 * h))) / (12 * h);
                    p.Value.Span[i] = original;
                    double analytic = p.Grad.Span[i];
                    Assert.True(Math.Abs(numeric - analytic) <= 1e-2 * (1 + Math.Abs(analytic)), $"{(inverse ? "inverse" : "forward")} d loss / d {p.Name}[{i}]: autodiff {analytic}, finite differences {numeric}");
                }
            }
        }
    }

    /// <summary>Σ logdet + Σ w ⊙ output, a loss that touches every output with distinct weights.</summary>
    private static double Loss(Tape tape, IFlowLayer layer, Tensor x, Tensor weights, bool inverse, out Var loss)
    {
        var input = tape.Constant(x);
        var (y, logDet) = inverse ? layer.Inverse(tape, input) : layer.Forward(tape, input);
        loss = tape.Add(tape.SumAll(tape.Multiply(y, tape.Constant(weights))), tape.SumAll(logDet));
        double total = 0;
        var yv = tape.Value(y);
        for (int i = 0; i < yv.Length; i++)
        {
            total += (double)yv.Span[i] * weights.Span[i];
        }

        foreach (float v in tape.Value(logDet).Span)
        {
            total += v;
        }

        return total;
    }
}
