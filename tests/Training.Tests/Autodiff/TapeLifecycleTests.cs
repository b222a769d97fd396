using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff;

/// <summary>Reset and repeated Backward: pooled buffers must not leak values or gradients between steps or calls.</summary>
public sealed class TapeLifecycleTests
{
    [Fact]
    public void Reset_then_rerun_gives_bit_identical_values_and_gradients()
    {
        var data = MakeFixture(seed: 1);
        var tape = new Tape(threads: 1);

        var first = RunStep(tape, data);
        tape.Reset();

        // A different computation in between hands the pooled buffers back dirty (other values, same sizes).
        RunStep(tape, MakeFixture(seed: 2));
        tape.Reset();

        var second = RunStep(tape, data);
        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
        {
            AssertBitIdentical(first[i].Values, second[i].Values, $"{first[i].Name} (run 1 vs run 2)");
        }
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        // Large enough (64^3 multiply-adds and more) for the matrix products to run on several threads.
        var data = MakeFixture(seed: 3, batch: 96, width: 80);
        var single = RunStep(new Tape(threads: 1), data);
        var multi = RunStep(new Tape(threads: 4), data);
        for (int i = 0; i < single.Count; i++)
        {
            AssertBitIdentical(single[i].Values, multi[i].Values, $"{single[i].Name} (1 vs 4 threads)");
        }
    }

    [Fact]
    public void Backward_twice_reports_only_the_second_gradient_and_adds_both_to_parameters()
    {
        var w = new Parameter("w", Tensor.FromValues([0.5f, -1f, 2f], 3));
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues([1f, 2f, 3f], 3));
        var h = tape.Multiply(x, tape.Param(w));   // h = x * w
        var loss1 = tape.SumAll(h);               // d/dx = w, d/dw = x
        var loss2 = tape.SumAll(tape.Square(h));  // d/dx = 2 h w, d/dw = 2 h x

        tape.Backward(loss1);
        Assert.Equal(new[] { 0.5f, -1f, 2f }, tape.Gradient(x)!.ToArray());
        Assert.Equal(new[] { 1f, 2f, 3f }, w.Grad.ToArray());

        tape.Backward(loss2);
        float[] hv = [0.5f, -2f, 6f];
        Assert.Equal(hv.Select((v, i) => 2f * v * w.Value.Span[i]).ToArray(), tape.Gradient(x)!.ToArray());
        Assert.Equal(hv.Select(v => 2f * v).ToArray(), tape.Gradient(h)!.ToArray());

        // Parameters accumulate across calls (documented): x + 2 h x.
        Assert.Equal(hv.Select((v, i) => (i + 1f) + (2f * v * (i + 1f))).ToArray(), w.Grad.ToArray());

        // loss1's own gradient is not reported by the second call: it took no part in it.
        Assert.Null(tape.Gradient(loss1));
    }

    [Fact]
    public void A_reshape_shares_its_gradient_with_its_input_only_until_the_next_backward()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues([1f, -2f, 3f, 4f, 5f, -6f], 2, 3));
        var r = tape.Reshape(x, 3, 2);                                    // the first gradient x receives is r's
        var weights = tape.Constant(Tensor.FromValues([1f, 2f, 3f, 4f, 5f, 6f], 3, 2));
        var loss1 = tape.SumAll(tape.Multiply(r, weights));
        tape.Backward(loss1);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, tape.Gradient(x)!.ToArray());
        Assert.Equal([2, 3], tape.Gradient(x)!.ShapeArray());

        // A second use of x after the reshape adds to the shared buffer; a second Backward starts from nothing.
        // (The square is recorded first, so the reshape's backward runs first and shares; the square's then adds.)
        var squares = tape.SumAll(tape.Square(x));
        var loss2 = tape.Add(squares, tape.SumAll(tape.Multiply(tape.Reshape(x, 6), tape.Reshape(weights, 6))));
        tape.Backward(loss2);
        float[] xv = [1f, -2f, 3f, 4f, 5f, -6f];
        Assert.Equal(xv.Select((v, i) => (i + 1f) + (2f * v)).ToArray(), tape.Gradient(x)!.ToArray());
        Assert.Null(tape.Gradient(loss1));
    }

    [Fact]
    public void Backward_with_a_seed_scales_every_gradient()
    {
        var tape = new Tape(threads: 1);
        var x = tape.Variable(Tensor.FromValues([1f, -2f], 2));
        var loss = tape.SumAll(tape.Square(x));
        tape.Backward(loss, seed: 0.5f);
        Assert.Equal(new[] { 1f, -2f }, tape.Gradient(x)!.ToArray());
    }

    private static List<(string Name, float[] Values)> RunStep(Tape tape, Fixture data)
    {
        foreach (var p in data.Parameters)
        {
            p.ZeroGrad();
        }

        var recorded = new List<(string Name, Var Var)>();
        Var Keep(string name, Var v)
        {
            recorded.Add((name, v));
            return v;
        }

        var x = Keep("x", tape.Variable(data.X));
        var w1 = tape.Param(data.Parameters[0]);
        var b1 = tape.Param(data.Parameters[1]);
        var w2 = tape.Param(data.Parameters[2]);
        var h = Keep("h", tape.Gelu(tape.Linear(x, w1, b1)));
        var h2 = Keep("h2", tape.MatMul(h, w2, transposeB: true));
        var joined = Keep("joined", tape.Concat(1, tape.Slice(h2, 1, 0, 2), tape.Gather(h2, 1, 3, 3, 0)));
        var masked = Keep("masked", tape.Where(tape.Step(tape.Subtract(joined, tape.Mean(joined, 1, keepDims: true))), joined, tape.Exp(joined)));
        var probs = Keep("probs", tape.Softmax(masked));
        var att = Keep("att", tape.MatMul(tape.Reshape(probs, 0, 1, -1), tape.Reshape(tape.Slice(h, 1, 0, 5), 0, 5, 1)));
        var lse = Keep("lse", tape.LogSumExp(tape.Transpose(tape.LogSoftmax(h2), 1, 0), 1));
        var loss = Keep("loss", tape.Add(tape.MeanAll(tape.Sigmoid(att)), tape.SumAll(tape.Max(tape.Softplus(tape.Reshape(lse, 1, -1)), 1))));
        tape.Backward(loss);

        var result = recorded.Select(r => (r.Name, tape.Value(r.Var).ToArray())).ToList();
        result.AddRange(recorded.Select(r => ($"d{r.Name}", tape.Gradient(r.Var)?.ToArray() ?? [])));
        result.AddRange(data.Parameters.Select(p => ($"d{p.Name}", p.Grad.ToArray())));
        return result;
    }

    private static Fixture MakeFixture(int seed, int batch = 6, int width = 7)
    {
        var rng = new Random(seed);
        Tensor Random(params int[] shape)
        {
            var t = new Tensor(shape);
            for (int k = 0; k < t.Length; k++)
            {
                t.Span[k] = (float)((rng.NextDouble() * 2) - 1);
            }

            return t;
        }

        return new Fixture(
            Random(batch, width),
            [new Parameter("w1", Random(width, width)), new Parameter("b1", Random(width)), new Parameter("w2", Random(width, width))]);
    }

    private static void AssertBitIdentical(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {expected.Length} vs {actual.Length} values.");
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[k]) == BitConverter.SingleToInt32Bits(actual[k]),
                $"{what}[{k}]: {expected[k]:R} vs {actual[k]:R}.");
        }
    }

    private sealed record Fixture(Tensor X, Parameter[] Parameters);
}
