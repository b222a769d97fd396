using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class MaskedAutoregressiveLayerTests
{
    [Fact]
    public void A_new_layer_is_the_identity()
    {
        var layer = new MaskedAutoregressiveLayer("m", 4, [8], Activation.Relu, new RandomSource(1));
        var x = FlowProbe.Normal(new RandomSource(2), 10, 4);
        var (y, logDet) = FlowProbe.Run(layer, x);

        // Up to rounding: the vectorised float32 exp(0) is 1 + 2^-23 and tanh(0) is -2^-24 (System.Numerics.Tensors 9).
        Assert.True(FlowProbe.MaxAbsDifference(x, y) <= 4e-6f, $"max change {FlowProbe.MaxAbsDifference(x, y)}");
        Assert.All(logDet.ToArray(), v => Assert.True(MathF.Abs(v) <= 1e-6f, $"log-det {v}"));
    }

    [Theory]
    [InlineData(5, new[] { 16, 16 })]
    [InlineData(5, new[] { 2 })]
    [InlineData(4, new int[0])]
    [InlineData(1, new[] { 4 })]
    public void Each_output_depends_only_on_earlier_inputs(int dimension, int[] hidden)
    {
        var random = new RandomSource(3);
        var layer = new MaskedAutoregressiveLayer("m", dimension, hidden, Activation.Tanh, random);
        FlowProbe.Perturb(layer, random, 0.5f);
        var x = FlowProbe.Normal(random, 8, dimension);
        foreach (bool inverse in new[] { false, true })
        {
            var jacobian = FlowProbe.JacobianByAutodiff(layer, x, inverse);
            bool anyBelow = false;
            for (int r = 0; r < 8; r++)
            {
                for (int i = 0; i < dimension; i++)
                {
                    for (int j = i + 1; j < dimension; j++)
                    {
                        Assert.Equal(0.0, jacobian[r, i, j]);
                    }

                    for (int j = 0; j < i; j++)
                    {
                        anyBelow |= jacobian[r, i, j] != 0.0;
                    }

                    Assert.True(jacobian[r, i, i] > 0);
                }
            }

            Assert.True(dimension == 1 || anyBelow, "the autoregressive dependence is missing");
        }
    }

    [Fact]
    public void Made_masks_follow_the_degrees()
    {
        var masks = MadeMasks.Create(3, [4], 2);
        var made = new Mlp("made", 3, [4], 2 * 3, Activation.Relu, new RandomSource(1), masks: masks);
        // Hidden degrees cycle 1, 2, 1, 2; hidden unit k sees inputs of degree <= its own.
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0 }, made.Layers[0].Mask!.ToArray());
        // Output for feature d (both parameters) sees hidden units of degree < d + 1.
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1 }, made.Layers[1].Mask!.ToArray());
    }
}
