using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class LuLinearLayerTests
{
    /// <summary>Row i of the result is e_i Wᵀ, i.e. column i of W: the forward map of the identity rows gives Wᵀ.</summary>
    private static Tensor WeightTransposed(IFlowLayer layer)
    {
        int d = layer.Dimension;
        var identity = new Tensor(d, d);
        for (int i = 0; i < d; i++)
        {
            identity[i, i] = 1f;
        }

        return FlowProbe.Run(layer, identity).Output;
    }

    [Fact]
    public void The_random_rotation_start_is_orthogonal_with_zero_log_det()
    {
        var layer = new LuLinearLayer("w", 6, new RandomSource(1));
        var wt = WeightTransposed(layer);
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                double dot = 0;
                for (int k = 0; k < 6; k++)
                {
                    dot += wt[i, k] * wt[j, k];
                }

                Assert.Equal(i == j ? 1.0 : 0.0, dot, 5);
            }
        }

        var (_, logDet) = FlowProbe.Run(layer, FlowProbe.Normal(new RandomSource(2), 3, 6));
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v, 5));
        Assert.Contains(layer.Permutation.Select((p, i) => p != i), moved => moved);
    }

    [Fact]
    public void The_weight_is_the_permuted_product_of_its_factors()
    {
        var random = new RandomSource(3);
        var layer = new LuLinearLayer("w", 4, random);
        FlowProbe.Perturb(layer, random, 0.3f);
        int d = 4;
        var lower = new double[d, d];
        var upper = new double[d, d];
        var sign = layer.DiagonalSign;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                lower[i, j] = i == j ? 1 : (j < i ? layer.Lower.Value[i, j] : 0);
                upper[i, j] = i == j ? sign.Span[i] * Math.Exp(layer.LogAbsDiagonal.Value.Span[i]) : (j > i ? layer.Upper.Value[i, j] : 0);
            }
        }

        var wt = WeightTransposed(layer);
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                // W[i, j] = (L V)[π(i), j].
                double expected = 0;
                for (int k = 0; k < d; k++)
                {
                    expected += lower[layer.Permutation[i], k] * upper[k, j];
                }

                Assert.Equal(expected, wt[j, i], 5);
            }
        }
    }

    [Fact]
    public void The_identity_start_is_the_identity()
    {
        var layer = new LuLinearLayer("w", 3, new RandomSource(1), randomRotation: false);
        var x = FlowProbe.Normal(new RandomSource(2), 5, 3);
        var (y, logDet) = FlowProbe.Run(layer, x);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(64)]
    public void The_substitution_inverse_is_exact_for_small_and_large_dimensions(int dimension)
    {
        var random = new RandomSource(4);
        var layer = new LuLinearLayer("w", dimension, random);
        FlowProbe.Perturb(layer, random, 0.02f);
        var x = FlowProbe.Normal(random, 16, dimension);
        var (y, logDet) = FlowProbe.Run(layer, x);
        var (back, inverseLogDet) = FlowProbe.Run(layer, y, inverse: true);
        Assert.True(FlowProbe.MaxAbsDifference(x, back) < 1e-4f, $"max error {FlowProbe.MaxAbsDifference(x, back)}");
        double expected = layer.LogAbsDiagonal.Value.ToArray().Sum(v => (double)v);
        for (int r = 0; r < 16; r++)
        {
            Assert.Equal(expected, logDet.Span[r], 4);
            Assert.Equal(-expected, inverseLogDet.Span[r], 4);
        }
    }
}
