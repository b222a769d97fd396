using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class PermutationLayerTests
{
    [Fact]
    public void Reverse_reverses_and_has_zero_log_det()
    {
        var x = Tensor.FromMatrix(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var (y, logDet) = FlowProbe.Run(PermutationLayer.Reverse(3), x);
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4 }, y.ToArray());
        Assert.Equal(new float[] { 0, 0 }, logDet.ToArray());
    }

    [Fact]
    public void Output_feature_i_is_input_feature_pi_i()
    {
        var layer = new PermutationLayer([2, 0, 3, 1]);
        var (y, _) = FlowProbe.Run(layer, Tensor.FromMatrix(new float[,] { { 10, 11, 12, 13 } }));
        Assert.Equal(new float[] { 12, 10, 13, 11 }, y.ToArray());
        var (x, _) = FlowProbe.Run(layer, y, inverse: true);
        Assert.Equal(new float[] { 10, 11, 12, 13 }, x.ToArray());
    }

    [Fact]
    public void Random_orders_are_reproducible_from_the_seed()
    {
        var a = PermutationLayer.Random(16, new RandomSource(9));
        var b = PermutationLayer.Random(16, new RandomSource(9));
        Assert.Equal(a.Permutation, b.Permutation);
        Assert.Equal(Enumerable.Range(0, 16), a.Permutation.Order());
        Assert.NotEqual(Enumerable.Range(0, 16), a.Permutation);
    }

    [Fact]
    public void Non_permutations_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new PermutationLayer([0, 0, 1]));
        Assert.Throws<ArgumentException>(() => new PermutationLayer([0, 3]));
        Assert.Throws<ArgumentException>(() => new PermutationLayer([]));
    }
}
