using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class GradientClippingTests
{
    [Fact]
    public void Returns_the_global_norm_and_rescales_to_the_limit()
    {
        var a = new Parameter("a", new Tensor(2));
        var b = new Parameter("b", new Tensor(11));
        a.Grad.Span[0] = 3f;
        b.Grad.Span[10] = 4f;
        float norm = GradientClipping.ClipByGlobalNorm([a, b], maxNorm: 1f);

        Assert.Equal(5f, norm, 6);
        Assert.Equal(1f, GradientClipping.GlobalNorm([a, b]), 5);
        Assert.Equal(0.6f, a.Grad.Span[0], 5);
        Assert.Equal(0.8f, b.Grad.Span[10], 5);
    }

    [Fact]
    public void Gradients_under_the_limit_are_untouched()
    {
        var a = new Parameter("a", Tensor.FromValues([0.3f, -0.4f], 2));
        a.Grad.CopyFrom(a.Value);
        Assert.Equal(0.5f, GradientClipping.ClipByGlobalNorm([a], maxNorm: 1f), 6);
        Assert.Equal([0.3f, -0.4f], a.Grad.ToArray());
    }

    [Fact]
    public void Frozen_parameters_do_not_count()
    {
        var a = new Parameter("a", new Tensor(1));
        var frozen = new Parameter("f", new Tensor(1)) { Trainable = false };
        a.Grad.Span[0] = 2f;
        frozen.Grad.Span[0] = 100f;
        Assert.Equal(2f, GradientClipping.ClipByGlobalNorm([a, frozen], maxNorm: 1f));
        Assert.Equal(100f, frozen.Grad.Span[0]);
    }

    [Fact]
    public void Large_finite_gradients_give_a_finite_norm()
    {
        var a = new Parameter("a", new Tensor(40));
        a.Grad.Fill(1e30f);
        float norm = GradientClipping.ClipByGlobalNorm([a], maxNorm: 1f);
        Assert.Equal(1e30f * MathF.Sqrt(40f), norm, 1e24f);
        Assert.Equal(1f, GradientClipping.GlobalNorm([a]), 5);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_gradients_are_reported_and_left_alone(float bad)
    {
        var good = new Parameter("good", new Tensor(3));
        var broken = new Parameter("broken", new Tensor(20));
        good.Grad.Fill(10f);
        broken.Grad.Span[17] = bad;

        float norm = GradientClipping.ClipByGlobalNorm([good, broken], maxNorm: 1f);
        Assert.Equal(float.IsNaN(bad), float.IsNaN(norm));
        Assert.Equal(!float.IsNaN(bad), float.IsPositiveInfinity(norm));
        Assert.Equal([10f, 10f, 10f], good.Grad.ToArray());

        var error = Assert.Throws<NonFiniteGradientException>(() => GradientClipping.ClipByGlobalNorm([good, broken], 1f, throwIfNonFinite: true));
        Assert.Equal("broken", error.ParameterName);
        Assert.Equal(float.IsNaN(bad), error.ContainsNaN);
        Assert.Contains("broken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nan_wins_over_infinity()
    {
        var a = new Parameter("a", new Tensor(2));
        var b = new Parameter("b", new Tensor(2));
        a.Grad.Span[0] = float.PositiveInfinity;
        b.Grad.Span[1] = float.NaN;
        Assert.True(float.IsNaN(GradientClipping.GlobalNorm([a, b])));
    }
}
