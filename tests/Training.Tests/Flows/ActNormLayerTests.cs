using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class ActNormLayerTests
{
    private static void AssertStandardized(Tensor y)
    {
        int n = y.Shape[0];
        for (int j = 0; j < y.Shape[1]; j++)
        {
            double mean = 0, squares = 0;
            for (int i = 0; i < n; i++)
            {
                mean += y[i, j];
            }

            mean /= n;
            for (int i = 0; i < n; i++)
            {
                squares += (y[i, j] - mean) * (y[i, j] - mean);
            }

            Assert.Equal(0.0, mean, 4);
            Assert.Equal(1.0, squares / n, 3);
        }
    }

    [Fact]
    public void Until_initialised_the_layer_is_the_identity()
    {
        var layer = new ActNormLayer("a", 3);
        Assert.False(layer.IsInitialized);
        var x = FlowProbe.Normal(new RandomSource(1), 4, 3);
        var (y, logDet) = FlowProbe.Run(layer, x);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Initialisation_standardizes_the_batch_and_the_log_det_is_minus_the_log_scales()
    {
        var random = new RandomSource(2);
        var data = FlowProbe.Normal(random, 500, 3);
        for (int i = 0; i < 500; i++)
        {
            data[i, 0] = (data[i, 0] * 5f) + 10f;
            data[i, 1] = (data[i, 1] * 0.1f) - 2f;
        }

        var layer = new ActNormLayer("a", 3);
        layer.InitializeFrom(data);
        Assert.True(layer.IsInitialized);
        var (y, logDet) = FlowProbe.Run(layer, data);
        AssertStandardized(y);
        double expected = -layer.LogScale.Value.ToArray().Sum(v => (double)v);
        Assert.Equal(expected, logDet.Span[0], 5);
        Assert.Equal(-(Math.Log(5) + Math.Log(0.1)), expected, 1);
    }

    [Fact]
    public void A_sequence_initialises_each_act_norm_from_the_batch_as_it_arrives_there()
    {
        var random = new RandomSource(3);
        const int d = 3;
        var coupling = new AffineCouplingLayer("c", CouplingPartition.Halves(d), [8], Activation.Tanh, random);
        FlowProbe.Perturb(coupling, random, 0.5f);
        var first = new ActNormLayer("a0", d);
        var second = new ActNormLayer("a2", d);
        var flow = new FlowSequence(first, coupling, second);
        var data = FlowProbe.Normal(random, 400, d, 3f);
        for (int i = 0; i < 400; i++)
        {
            data[i, 2] += 4f;
        }

        flow.InitializeFrom(data);
        Assert.True(first.IsInitialized && second.IsInitialized);
        var (y, _) = FlowProbe.Run(flow, data);
        AssertStandardized(y);
    }
}
