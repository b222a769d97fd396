using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Tests.Autodiff.GradientCheck;

namespace MLNetMixture.Training.Tests.Autodiff;

/// <summary>Extreme inputs: the stable ops must stay finite and accurate where a naive formula overflows or cancels.</summary>
public sealed class NumericalEdgeTests
{
    private static readonly float[] LargeMix =
    [
        1e4f, 1e4f - 1f, -1e4f, 0f,
        -1e4f, -1e4f + 2f, -1e4f - 3f, -1e4f + 0.5f,
        1e4f, -1e4f, 1e4f, 1e4f - 0.25f,
    ];

    [Fact]
    public void LogSumExp_of_large_mixed_inputs_is_finite_and_matches_float64()
    {
        foreach (int axis in new[] { -1, 0 })
        {
            var (tape, x, y) = Run(LargeMix, [3, 4], (t, v) => t.LogSumExp(v, axis));
            var expected = ReferenceOps.Reduce(Reference(LargeMix, 3, 4), axis, false, ReferenceOps.LogSumExp);
            AssertClose(expected.Data, tape.Value(y), relative: 1e-7, absolute: 0, $"LogSumExp axis {axis} value");

            // d lse / dx = softmax along the axis, times the upstream weight of that output. lse ~ 1e4 is rounded
            // to float32 (ulp 1e-3) and exp(x - lse) inherits that relative error: 1e-3 is the float32 limit here.
            var grad = Gradient(tape, x);
            var softmax = axis == -1
                ? ReferenceOps.Softmax(Reference(LargeMix, 3, 4))
                : ReferenceOps.Transpose(ReferenceOps.Softmax(ReferenceOps.Transpose(Reference(LargeMix, 3, 4), [1, 0])), [1, 0]);
            var weights = Weights(axis == -1 ? 3 : 4);
            var expectedGrad = softmax.Data.Select((p, k) => p * weights[axis == -1 ? k / 4 : k % 4]).ToArray();
            AssertClose(expectedGrad, grad, relative: 1e-3, absolute: 1e-7, $"LogSumExp axis {axis} gradient");
        }
    }

    [Fact]
    public void Softmax_and_LogSoftmax_of_large_mixed_inputs_are_finite_and_accurate()
    {
        var (tape, x, y) = Run(LargeMix, [3, 4], (t, v) => t.Softmax(v));
        AssertClose(ReferenceOps.Softmax(Reference(LargeMix, 3, 4)).Data, tape.Value(y), relative: 1e-6, absolute: 1e-30, "Softmax value");
        AssertFinite(Gradient(tape, x), "Softmax gradient");

        (tape, x, y) = Run(LargeMix, [3, 4], (t, v) => t.LogSoftmax(v));
        var expected = ReferenceOps.LogSoftmax(Reference(LargeMix, 3, 4));

        // log-probabilities near 0 (here -0.31 and -0.58) must not carry the 1e-3 rounding of a 1e4-sized log-sum-exp.
        AssertClose(expected.Data, tape.Value(y), relative: 1e-6, absolute: 1e-6, "LogSoftmax value");

        // d sum(w * logsoftmax) / dx = w - softmax * sum(w) with w = the random-looking weights Run used.
        var weights = Weights(12);
        var softmax = ReferenceOps.Softmax(Reference(LargeMix, 3, 4)).Data;
        var expectedGrad = new double[12];
        for (int r = 0; r < 3; r++)
        {
            double sumW = 0;
            for (int j = 0; j < 4; j++)
            {
                sumW += weights[(r * 4) + j];
            }

            for (int j = 0; j < 4; j++)
            {
                expectedGrad[(r * 4) + j] = weights[(r * 4) + j] - (softmax[(r * 4) + j] * sumW);
            }
        }

        AssertClose(expectedGrad, Gradient(tape, x), relative: 1e-5, absolute: 1e-6, "LogSoftmax gradient");
    }

    [Fact]
    public void LogSumExp_of_all_negative_infinity_rows_is_negative_infinity_with_zero_gradient()
    {
        float ninf = float.NegativeInfinity;
        float[] values = [ninf, ninf, ninf, 0.5f, ninf, -1f];
        foreach (int axis in new[] { 1, 0 })
        {
            // axis 1: rows [-inf, -inf, -inf] and [0.5, -inf, -1]; axis 0 (strided path): columns of [3, 2] after a reshape.
            int[] shape = axis == 1 ? [2, 3] : [3, 2];
            float[] data = axis == 1 ? values : [ninf, 0.5f, ninf, ninf, ninf, -1f];
            var (tape, x, y) = Run(data, shape, (t, v) => t.LogSumExp(v, axis));
            var value = tape.Value(y);
            Assert.Equal(float.NegativeInfinity, value.Span[0]);
            Assert.Equal(0.5 + Math.Log(1 + Math.Exp(-1.5)), value.Span[1], 5);
            var grad = Gradient(tape, x);
            AssertFinite(grad, $"LogSumExp axis {axis} gradient");
            int first = axis == 1 ? 3 : 1, last = axis == 1 ? 5 : 5;
            double p = 1 / (1 + Math.Exp(-1.5));
            var weights = Weights(2);
            for (int k = 0; k < grad.Length; k++)
            {
                double expected = k == first ? weights[1] * p : k == last ? weights[1] * (1 - p) : 0;
                Assert.True(Math.Abs(grad[k] - expected) <= 1e-6, $"axis {axis}: d/dx[{k}] = {grad[k]}, expected {expected}.");
            }
        }
    }

    [Fact]
    public void Softmax_family_gives_masked_negative_infinity_entries_zero_weight_and_zero_gradient()
    {
        float ninf = float.NegativeInfinity;
        float[] data = [0.3f, ninf, -0.2f, ninf, 1f, 2f];
        var (tape, x, y) = Run(data, [2, 3], (t, v) => t.Softmax(v));
        var probs = tape.Value(y).ToArray();
        Assert.Equal(0f, probs[1]);
        Assert.Equal(0f, probs[3]);
        Assert.Equal(1.0, probs[0] + probs[2], 6);
        var g = Gradient(tape, x);
        AssertFinite(g, "Softmax gradient");
        Assert.Equal(0.0, g[1]);
        Assert.Equal(0.0, g[3]);

        (tape, x, y) = Run(data, [2, 3], (t, v) => t.LogSoftmax(v));
        var logp = tape.Value(y).ToArray();
        Assert.Equal(float.NegativeInfinity, logp[1]);
        Assert.Equal(-Math.Log(1 + Math.Exp(-0.5)), logp[0], 6);
        g = Gradient(tape, x);
        AssertFinite(g, "LogSoftmax gradient");

        // d logsoftmax_j / dx_j = 1 - softmax_j = 1 at a masked entry: its gradient is its own upstream weight.
        var w = Weights(6);
        Assert.Equal(w[1], g[1], 6);
        Assert.Equal(w[3], g[3], 6);
    }

    [Fact]
    public void Softplus_is_accurate_at_both_tails()
    {
        float[] data = [-100f, -30f, -20f, -10f, 10f, 20f, 30f, 100f];
        var (tape, x, y) = Run(data, [8], (t, v) => t.Softplus(v));
        var value = tape.Value(y).ToArray();
        var grad = Gradient(tape, x);
        var weights = Weights(8);
        for (int k = 0; k < data.Length; k++)
        {
            double expected = ReferenceOps.Softplus(data[k]);
            double expectedGrad = weights[k] * ReferenceOps.Sigmoid(data[k]);

            // softplus(-100) = 3.7e-44 is a float32 subnormal: resolution float.Epsilon (1.4e-45), hence the absolute slack.
            double slack = 2.0 * float.Epsilon;
            Assert.True(Math.Abs(value[k] - expected) <= (1e-6 * expected) + slack, $"softplus({data[k]}) = {value[k]:R}, expected {expected:R}.");
            Assert.True(Math.Abs(grad[k] - expectedGrad) <= (1e-6 * Math.Abs(expectedGrad)) + slack, $"softplus'({data[k]}) * w = {grad[k]:R}, expected {expectedGrad:R}.");
        }

        // A positive scale parameterised through softplus must stay strictly positive (its log stays finite).
        Assert.True(value[0] > 0f, "softplus(-100) underflowed to 0.");
        Assert.Equal(100f, value[^1]);
    }

    [Fact]
    public void Sigmoid_and_Tanh_saturate_without_overflow()
    {
        float[] data = [-1e4f, -100f, -20f, 20f, 100f, 1e4f, float.MaxValue, -float.MaxValue];
        var (tape, x, y) = Run(data, [8], (t, v) => t.Sigmoid(v));
        var value = tape.Value(y).ToArray();
        var grad = Gradient(tape, x);
        var weights = Weights(8);
        for (int k = 0; k < data.Length; k++)
        {
            double s = ReferenceOps.Sigmoid(data[k]);
            Assert.True(value[k] is >= 0f and <= 1f, $"sigmoid({data[k]}) = {value[k]}.");
            Assert.True(Math.Abs(value[k] - s) <= 1e-6 * s + 1e-45, $"sigmoid({data[k]}) = {value[k]:R}, expected {s:R}.");
            double expectedGrad = weights[k] * s * ReferenceOps.Sigmoid(-data[k]);
            Assert.True(double.IsFinite(grad[k]) && Math.Abs(grad[k] - expectedGrad) <= 1e-7, $"sigmoid'({data[k]}) * w = {grad[k]:R}, expected {expectedGrad:R}.");
        }

        Assert.True(value[1] > 0f, "sigmoid(-100) = 3.7e-44 is representable (subnormal) and must not flush to 0.");

        (tape, x, y) = Run(data, [8], (t, v) => t.Tanh(v));
        value = tape.Value(y).ToArray();
        grad = Gradient(tape, x);
        for (int k = 0; k < data.Length; k++)
        {
            Assert.Equal(Math.Sign(data[k]), value[k]);
            Assert.True(double.IsFinite(grad[k]) && Math.Abs(grad[k]) <= 1e-7, $"tanh'({data[k]}) * w = {grad[k]:R}.");
        }
    }

    [Fact]
    public void Gelu_and_Elu_saturate_without_overflow()
    {
        float[] data = [-1e4f, -100f, 100f, 1e4f];
        var (tape, x, y) = Run(data, [4], (t, v) => t.Gelu(v));
        Assert.Equal(new[] { 0f, 0f, 100f, 1e4f }, tape.Value(y).ToArray().Select(v => v == 0f ? 0f : v));
        var w = Weights(4);
        Assert.Equal(new[] { 0.0, 0.0, w[2], w[3] }, Gradient(tape, x));

        (tape, x, y) = Run(data, [4], (t, v) => t.Elu(v));
        Assert.Equal(new[] { -1f, -1f, 100f, 1e4f }, tape.Value(y).ToArray());
        AssertFinite(Gradient(tape, x), "Elu gradient");
    }

    private static (Tape Tape, Var X, Var Y) Run(float[] data, int[] shape, Func<Tape, Var, Var> op)
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues(data, shape));
        var y = op(tape, x);
        var w = tape.Constant(Tensor.FromValues(Weights(tape.Value(y).Length).Select(v => (float)v).ToArray(), tape.Shape(y)));
        tape.Backward(tape.SumAll(tape.Multiply(y, w)));
        return (tape, x, y);
    }

    /// <summary>Fixed upstream weights (exact in float32), different per element and never zero.</summary>
    private static double[] Weights(int count) => Enumerable.Range(0, count).Select(k => (k % 3 == 0 ? -1.0 : 1.0) * (0.5 + (0.125 * (k % 5)))).ToArray();

    private static RefTensor Reference(float[] data, params int[] shape) => GradientChecker.ToReference(Tensor.FromValues(data, shape));

    private static double[] Gradient(Tape tape, Var x)
    {
        var g = tape.Gradient(x);
        Assert.NotNull(g);
        return g!.ToArray().Select(v => (double)v).ToArray();
    }

    private static void AssertFinite(double[] values, string what)
    {
        for (int k = 0; k < values.Length; k++)
        {
            Assert.True(double.IsFinite(values[k]), $"{what}[{k}] = {values[k]}.");
        }
    }

    private static void AssertClose(double[] expected, Tensor actual, double relative, double absolute, string what)
        => AssertClose(expected, actual.ToArray().Select(v => (double)v).ToArray(), relative, absolute, what);

    private static void AssertClose(double[] expected, double[] actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            bool ok = expected[k] == actual[k] || Math.Abs(expected[k] - actual[k]) <= absolute + (relative * Math.Abs(expected[k]));
            Assert.True(ok, $"{what}[{k}] = {actual[k]:R}, expected {expected[k]:R}.");
        }
    }
}
