using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff;

/// <summary>
/// Max and OneHotArgMax pick the first maximal element under IEEE comparison, along the last axis and along
/// any other axis alike (and as ONNX Runtime's ArgMax/ReduceMax do): -0 and +0 tie, and a NaN wins only first.
/// </summary>
public sealed class TapeFirstMaximumTests
{
    // Rows: a signed-zero tie, an exact tie, a NaN after the maximum, a NaN in first place.
    private static readonly float[] Rows = [-0f, 0f, -1f, 5f, 1f, 5f, 3f, float.NaN, 5f, float.NaN, 2f, 0f];

    [Fact]
    public void One_hot_arg_max_takes_the_first_of_tied_maxima()
    {
        var tape = new Tape(threads: 1);
        var y = tape.Value(tape.OneHotArgMax(tape.Constant(Tensor.FromValues(Rows, 4, 3))));
        Assert.Equal(new float[] { 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0 }, y.ToArray());
    }

    [Fact]
    public void Max_along_the_last_axis_agrees_with_max_along_a_leading_axis()
    {
        var tape = new Tape(threads: 1);
        var rows = tape.Variable(Tensor.FromValues(Rows, 4, 3));
        var columns = tape.Variable(Tensor.FromValues(Transposed(Rows, 4, 3), 3, 4));
        var lastAxis = tape.Max(rows, -1);
        var leadingAxis = tape.Max(columns, 0);
        Assert.Equal(tape.Value(lastAxis).ToArray(), tape.Value(leadingAxis).ToArray());
        Assert.True(float.IsNegative(tape.Value(lastAxis).Span[0]), "the first of -0 and +0 is -0");

        // The gradient reaches the first maximal element on both paths.
        tape.Backward(tape.SumAll(tape.Add(lastAxis, leadingAxis)));
        Assert.Equal(new float[] { 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0 }, tape.Gradient(rows)!.ToArray());
        Assert.Equal(Transposed([1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0], 4, 3), tape.Gradient(columns)!.ToArray());
    }

    private static float[] Transposed(float[] values, int rows, int columns)
    {
        var t = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                t[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return t;
    }
}
