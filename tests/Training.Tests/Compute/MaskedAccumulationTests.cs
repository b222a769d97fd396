using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Compute;

public sealed class MaskedAccumulationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Adds_the_gradient_exactly_where_the_input_is_positive(int length)
    {
        var random = new Random(length);
        var x = new float[length];
        var g = new float[length];
        var acc = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (i % 5) switch { 0 => 0f, 1 => -0f, 2 => float.NaN, _ => (float)(random.NextDouble() - 0.5) };
            g[i] = (float)random.NextDouble();
            acc[i] = i;
        }

        var expected = acc.Select((a, i) => x[i] > 0f ? a + g[i] : a).ToArray();
        MaskedAccumulation.AddWherePositive(x, g, acc);
        Assert.Equal(expected, acc);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 16)]
    [InlineData(4, 37)]
    [InlineData(6, 512)]
    public void Fused_select_writes_the_masked_gradient_and_adds_its_column_sums(int rows, int columns)
    {
        var random = new Random((rows * 1000) + columns);
        int length = rows * columns;
        var x = new float[length];
        var g = new float[length];
        var destination = Enumerable.Repeat(float.NaN, length).ToArray();
        var sums = Enumerable.Range(0, columns).Select(j => (float)j).ToArray();
        for (int i = 0; i < length; i++)
        {
            x[i] = (i % 5) switch { 0 => 0f, 1 => -0f, 2 => float.NaN, _ => (float)(random.NextDouble() - 0.5) };
            g[i] = (float)random.NextDouble();
        }

        var expected = x.Select((v, i) => v > 0f ? g[i] : 0f).ToArray();
        var expectedSums = sums.ToArray();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < columns; j++)
            {
                expectedSums[j] += expected[(r * columns) + j];
            }
        }

        MaskedAccumulation.SelectWherePositiveSummingColumns(x, g, destination, columns, sums);
        Assert.Equal(expected, destination);
        Assert.Equal(expectedSums, sums);
    }

    [Fact]
    public void Fused_select_refuses_a_row_length_that_does_not_divide_the_values() =>
        Assert.Throws<ArgumentException>(() => MaskedAccumulation.SelectWherePositiveSummingColumns(new float[6], new float[6], new float[6], 4, new float[4]));

    [Fact]
    public void Mismatched_lengths_are_refused() =>
        Assert.Throws<ArgumentException>(() => MaskedAccumulation.AddWherePositive(new float[3], new float[3], new float[2]));

    [Fact]
    public void Relu_gradient_is_zero_at_and_below_zero_even_for_a_non_finite_upstream_gradient()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(new Tensor([-1f, 0f, 2f, 3f], 1, 4));
        var y = tape.Relu(x);
        var loss = tape.SumAll(tape.Multiply(y, tape.Constant(new Tensor([float.PositiveInfinity, float.NaN, 2f, 5f], 1, 4))));
        tape.Backward(loss);
        Assert.Equal([0f, 0f, 2f, 5f], tape.Gradient(x)!.ToArray());
    }

    [Fact]
    public void A_gather_of_consecutive_columns_and_its_gradient_copy_the_block_of_each_row()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(new Tensor([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], 2, 4));
        var y = tape.Gather(x, 1, 1, 2, 3);
        var z = tape.Gather(x, 1, 0, 1);
        Assert.Equal([2f, 3f, 4f, 6f, 7f, 8f], tape.Value(y).ToArray());
        var weights = tape.Constant(new Tensor([1f, 10f, 100f, 2f, 20f, 200f], 2, 3));
        tape.Backward(tape.Add(tape.SumAll(tape.Multiply(y, weights)), tape.SumAll(z)));
        Assert.Equal([1f, 2f, 10f, 100f, 1f, 3f, 20f, 200f], tape.Gradient(x)!.ToArray());
    }

    [Fact]
    public void Column_gather_and_its_gradient_follow_the_indices()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 2, 3));
        var y = tape.Gather(x, 1, 2, 0, 2, 1);
        Assert.Equal([3f, 1f, 3f, 2f, 6f, 4f, 6f, 5f], tape.Value(y).ToArray());
        tape.Backward(tape.SumAll(tape.Multiply(y, tape.Constant(new Tensor([1f, 10f, 100f, 1000f, 2f, 20f, 200f, 2000f], 2, 4)))));
        Assert.Equal([10f, 1000f, 101f, 20f, 2000f, 202f], tape.Gradient(x)!.ToArray());
    }
}

public sealed class GradientOverwriteTests
{
    [Fact]
    public void Gradients_on_a_reused_tape_with_dirty_pooled_buffers_equal_those_of_a_fresh_tape()
    {
        var w = new Parameter("w", new Tensor([0.5f, -1f, 2f, 0.25f, 1.5f, -0.5f], 2, 3));
        var dirty = new Tape(threads: 1);

        // Fill the pool with NaN-laden buffers of the shapes used below.
        var junk = dirty.Variable(new Tensor(Enumerable.Repeat(float.NaN, 12).ToArray(), 4, 3));
        dirty.Backward(dirty.SumAll(dirty.Concat(1, dirty.Relu(junk), dirty.Negate(junk))));
        dirty.Reset();

        Assert.Equal(Gradients(new Tape(threads: 1), w), Gradients(dirty, w));
    }

    /// <summary>x feeds Linear, Relu, Negate, Reshape and twice the same Concat, so every overwrite path meets accumulation.</summary>
    private static float[] Gradients(Tape tape, Parameter w)
    {
        var x = tape.Variable(new Tensor([1f, -2f, 3f, 0.5f, -1f, 2f, -3f, 4f, 0f, 1f, 1f, -1f], 4, 3));
        var h = tape.Linear(x, tape.Param(w), null);
        var both = tape.Concat(1, tape.Relu(h), h, tape.Relu(h));
        var loss = tape.Add(tape.SumAll(tape.Multiply(both, both)), tape.SumAll(tape.Negate(tape.Reshape(x, 2, 6))));
        w.ZeroGrad();
        tape.Backward(loss);
        return [.. tape.Gradient(x)!.ToArray(), .. w.Grad.ToArray()];
    }
}

public sealed class MiddleAxisLogSumExpTests
{
    [Fact]
    public void Log_sum_exp_over_a_middle_axis_handles_infinite_columns_in_the_vector_and_scalar_parts()
    {
        const int n = 3, inner = 11; // eight columns take the vector path, three the scalar one
        var values = new float[2 * n * inner];
        var random = new Random(5);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 20) - 10);
        }

        foreach (int column in new[] { 2, 9 })
        {
            for (int j = 0; j < n; j++)
            {
                values[(j * inner) + column] = float.NegativeInfinity; // first block: an all -inf column
            }

            values[(n * inner) + inner + column] = float.PositiveInfinity; // second block: one +inf entry
        }

        var tape = new Tape(threads: 1) { RecordGradients = false };
        var y = tape.Value(tape.LogSumExp(tape.Constant(new Tensor(values, 2, n, inner)), 1)).ToArray();
        for (int o = 0; o < 2; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                var column = Enumerable.Range(0, n).Select(j => (double)values[(((o * n) + j) * inner) + i]).ToArray();
                double max = column.Max();
                double expected = double.IsInfinity(max) ? max : max + Math.Log(column.Sum(v => Math.Exp(v - max)));
                Assert.Equal(expected, y[(o * inner) + i], 4);
            }
        }
    }
}
