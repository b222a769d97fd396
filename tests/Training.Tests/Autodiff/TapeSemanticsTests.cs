using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff;

/// <summary>Documented conventions that gradient checks cannot see: ties, NaN, signed zeros, and inputs the caller may reuse.</summary>
public sealed class TapeSemanticsTests
{
    public static TheoryData<float[]> TrickyRows => new()
    {
        new[] { 1f, 3f, 3f, 2f },
        new[] { float.NaN, 1f, 2f, 0f },
        new[] { 1f, float.NaN, 2f, float.NaN },
        new[] { 1f, 2f, 0f, float.NaN },
        new[] { -0f, 0f, -1f, -2f },
        new[] { 0f, -0f, -1f, -2f },
        new[] { -0f, -0f, -1f, 0f },
        new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity },
    };

    [Theory]
    [MemberData(nameof(TrickyRows))]
    public void Max_picks_the_same_element_along_the_last_axis_and_along_a_strided_axis(float[] row)
    {
        int n = row.Length;

        // The row along the last axis ([2, n], contiguous path) and down the first axis ([n, 2], strided path).
        var (lastValue, lastGrad) = MaxAndGradient(row.Concat(row.Reverse()).ToArray(), [2, n], axis: 1);
        var column = new float[2 * n];
        for (int j = 0; j < n; j++)
        {
            column[2 * j] = row[j];
            column[(2 * j) + 1] = row[n - 1 - j];
        }

        var (firstValue, firstGrad) = MaxAndGradient(column, [n, 2], axis: 0);
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(lastValue[r]), BitConverter.SingleToInt32Bits(firstValue[r]));
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(lastGrad[(r * n) + j], firstGrad[(j * 2) + r]);
            }
        }

        // Exactly one element receives the gradient, and OneHotArgMax marks the same one.
        Assert.Equal(1f, lastGrad.Take(n).Sum());
        var tape = new Tape(threads: 1);
        var oneHot = tape.Value(tape.OneHotArgMax(tape.Constant(Tensor.FromValues(row, 1, n)))).ToArray();
        Assert.Equal(lastGrad.Take(n), oneHot);
    }

    [Fact]
    public void Max_gradient_goes_to_the_first_of_tied_maxima()
    {
        var (_, grad) = MaxAndGradient([1f, 3f, 3f, 2f], [1, 4], axis: 1);
        Assert.Equal(new[] { 0f, 1f, 0f, 0f }, grad);
        (_, grad) = MaxAndGradient([1f, 3f, 3f, 2f], [4, 1], axis: 0);
        Assert.Equal(new[] { 0f, 1f, 0f, 0f }, grad);
    }

    [Fact]
    public void External_uses_the_gradients_given_at_call_time_even_if_the_caller_reuses_the_buffer()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues([1f, 2f, 3f, 4f], 2, 2));
        var scratchValues = Tensor.FromValues([10f, 20f], 2);
        var scratchGradients = Tensor.FromValues([1f, 2f, 3f, 4f], 2, 2);
        var first = tape.External(x, scratchValues, scratchGradients);

        // The same scratch buffers hold a second function's results.
        scratchValues.Fill(-1f);
        scratchGradients.Fill(100f);
        var second = tape.External(x, scratchValues, scratchGradients);

        tape.Backward(tape.SumAll(tape.Add(first, tape.MultiplyScalar(second, 0.5f))));
        Assert.Equal(new[] { 10f, 20f }, tape.Value(first).ToArray());
        Assert.Equal(new[] { 51f, 52f, 53f, 54f }, tape.Gradient(x)!.ToArray());
    }

    [Fact]
    public void PickLast_uses_the_labels_given_at_call_time()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues([1f, 2f, 3f, 4f, 5f, 6f], 2, 3));
        int[] labels = [2, 0];
        var picked = tape.PickLast(x, labels);
        labels[0] = 0; // the caller refills its label buffer before Backward
        tape.Backward(tape.SumAll(picked));
        Assert.Equal(new[] { 3f, 4f }, tape.Value(picked).ToArray());
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 0f, 0f }, tape.Gradient(x)!.ToArray());
    }

    [Fact]
    public void MatMul_and_Linear_propagate_non_finite_values_multiplied_by_zero()
    {
        // IEEE (and ONNX Runtime): 0 * inf = NaN and 0 * NaN = NaN. A diverged weight must not hide behind a zero activation.
        var tape = new Tape(threads: 1);
        var a = tape.Constant(Tensor.FromValues([0f, 1f], 1, 2));
        var b = tape.Constant(Tensor.FromValues([float.PositiveInfinity, 2f, 1f, 3f], 2, 2));
        Assert.Equal(new[] { float.NaN, 3f }, tape.Value(tape.MatMul(a, b)).ToArray());
        var w = tape.Constant(Tensor.FromValues([float.NaN, 1f, 2f, 3f], 2, 2));
        Assert.Equal(new[] { float.NaN, 3f }, tape.Value(tape.Linear(a, w, null)).ToArray());

        // And backward: a zero upstream gradient times an infinite weight is NaN, not a silent zero.
        var x = tape.Variable(Tensor.FromValues([1f, 1f], 1, 2));
        var y = tape.MatMul(x, b, transposeB: true);
        tape.Backward(tape.SumAll(tape.Multiply(y, tape.Constant(Tensor.FromValues([0f, 1f], 1, 2)))));
        Assert.Equal(new[] { float.PositiveInfinity, 4f }, tape.Value(y).ToArray());
        Assert.Equal(new[] { float.NaN, 3f }, tape.Gradient(x)!.ToArray()); // d/dx[0] = 0 * inf + 1 * 1
    }

    private static (float[] Value, float[] Gradient) MaxAndGradient(float[] data, int[] shape, int axis)
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues(data, shape));
        var m = tape.Max(x, axis);
        tape.Backward(tape.SumAll(m));
        return (tape.Value(m).ToArray(), tape.Gradient(x)!.ToArray());
    }
}
