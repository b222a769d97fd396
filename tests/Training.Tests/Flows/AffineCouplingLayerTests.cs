using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class AffineCouplingLayerTests
{
    [Fact]
    public void A_new_layer_is_the_identity()
    {
        var layer = new AffineCouplingLayer("c", CouplingPartition.Halves(5), [8], Activation.Relu, new RandomSource(1));
        var x = FlowProbe.Normal(new RandomSource(2), 10, 5);
        var (y, logDet) = FlowProbe.Run(layer, x);

        // Up to rounding: the vectorised float32 exp(0) is 1 + 2^-23 and tanh(0) is -2^-24 (System.Numerics.Tensors 9).
        Assert.True(FlowProbe.MaxAbsDifference(x, y) <= 4e-6f, $"max change {FlowProbe.MaxAbsDifference(x, y)}");
        Assert.All(logDet.ToArray(), v => Assert.True(MathF.Abs(v) <= 1e-6f, $"log-det {v}"));
    }

    [Fact]
    public void Conditioning_features_pass_through_and_the_rest_is_an_affine_map_of_them()
    {
        var random = new RandomSource(3);
        var partition = CouplingPartition.Alternating(4);
        var layer = new AffineCouplingLayer("c", partition, [8], Activation.Tanh, random);
        FlowProbe.Perturb(layer, random, 0.5f);
        var x = FlowProbe.Normal(random, 6, 4);
        var (y, _) = FlowProbe.Run(layer, x);
        var jacobian = FlowProbe.JacobianByAutodiff(layer, x);
        for (int r = 0; r < 6; r++)
        {
            foreach (int a in partition.Conditioning)
            {
                Assert.Equal(x[r, a], y[r, a]);
            }

            // Transformed features depend on themselves only diagonally: dy_b/dx_b' = 0 for b ≠ b'.
            foreach (int b in partition.Transformed)
            {
                foreach (int b2 in partition.Transformed.Where(i => i != b))
                {
                    Assert.Equal(0.0, jacobian[r, b, b2]);
                }

                Assert.True(jacobian[r, b, b] > 0);
            }
        }
    }

    [Fact]
    public void The_log_scale_never_exceeds_its_bound()
    {
        var random = new RandomSource(4);
        var layer = new AffineCouplingLayer("c", CouplingPartition.Halves(2), [], Activation.Identity, random, scaleBound: 1.5f);

        // Raw log-scale 1000 · x_0 + 50: far beyond the bound for every row.
        var last = layer.Conditioner.Layers[^1];
        last.Weight.Value[0, 0] = 1000f;
        last.Bias!.Value.Span[0] = 50f;
        var x = FlowProbe.Normal(random, 20, 2, 0.01f);
        var (y, logDet) = FlowProbe.Run(layer, x);
        for (int r = 0; r < 20; r++)
        {
            Assert.InRange(logDet.Span[r], 1.49f, 1.5f);
            Assert.Equal(x[r, 1] * MathF.Exp(logDet.Span[r]), y[r, 1], 5);
        }
    }
}
