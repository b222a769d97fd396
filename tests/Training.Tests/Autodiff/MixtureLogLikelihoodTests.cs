using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff;

/// <summary>The fused mixture log-likelihood against the unfused composition of tape ops it replaces.</summary>
public sealed class MixtureLogLikelihoodTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(8, 8)]
    [InlineData(8, 26)]
    [InlineData(11, 33)]
    [InlineData(17, 16)]
    public void Matches_LogSumExp_of_gate_plus_picked_log_softmax_in_value_and_gradient(int experts, int classes)
    {
        const int rows = 13;
        var random = new Random((experts * 100) + classes);
        var gate = Fill(random, 3f, rows, experts);
        var logits = Fill(random, 6f, rows, experts, classes);
        int[] labels = [.. Enumerable.Range(0, rows).Select(_ => random.Next(classes))];
        var upstream = Fill(random, 1f, rows);

        var (fusedValue, fusedGate, fusedLogits) = Run(gate, logits, upstream, (t, g, l) => t.MixtureLogLikelihood(t.LogSoftmax(g), l, labels));
        var (value, gateGradient, logitGradient) = Run(gate, logits, upstream, (t, g, l) => t.LogSumExp(t.Add(t.LogSoftmax(g), t.PickLast(t.LogSoftmax(l), labels)), -1));
        AssertClose(value, fusedValue);
        AssertClose(gateGradient, fusedGate);
        AssertClose(logitGradient, fusedLogits);
    }

    [Fact]
    public void Minus_infinity_log_weights_drop_experts_and_an_impossible_row_gets_minus_infinity_and_no_gradient()
    {
        const int rows = 3, experts = 9, classes = 10;
        var random = new Random(5);
        var gate = Fill(random, 1f, rows, experts);
        for (int k = 0; k < experts; k++)
        {
            // Row 0 keeps experts 0 and 4 only; row 1 keeps none.
            if (k is not 0 and not 4)
            {
                gate[0, k] = float.NegativeInfinity;
            }

            gate[1, k] = float.NegativeInfinity;
        }

        var logits = Fill(random, 4f, rows, experts, classes);
        int[] labels = [3, 9, 0];
        var upstream = Fill(random, 1f, rows);
        var (fusedValue, fusedGate, fusedLogits) = Run(gate, logits, upstream, (t, g, l) => t.MixtureLogLikelihood(g, l, labels));
        var (value, _, _) = Run(gate, logits, upstream, (t, g, l) => t.LogSumExp(t.Add(g, t.PickLast(t.LogSoftmax(l), labels)), -1));
        Assert.Equal(float.NegativeInfinity, fusedValue[1]);
        AssertClose([value[0], value[2]], [fusedValue[0], fusedValue[2]]);
        Assert.All(fusedGate, v => Assert.True(float.IsFinite(v)));
        Assert.All(fusedLogits, v => Assert.True(float.IsFinite(v)));
        for (int k = 0; k < experts; k++)
        {
            Assert.Equal(0f, fusedGate[experts + k]);
            if (k is not 0 and not 4)
            {
                Assert.Equal(0f, fusedGate[k]);
            }

            for (int c = 0; c < classes; c++)
            {
                Assert.Equal(0f, fusedLogits[(((1 * experts) + k) * classes) + c]);
            }
        }
    }

    private static (float[] Value, float[] Gate, float[] Logits) Run(Tensor gate, Tensor logits, Tensor upstream, Func<Tape, Var, Var, Var> f)
    {
        var tape = new Tape(1);
        var g = tape.Variable(gate);
        var l = tape.Variable(logits);
        var y = f(tape, g, l);
        var objective = tape.SumAll(tape.Multiply(y, tape.Constant(upstream)));
        tape.Backward(objective);
        return (tape.Value(y).Span.ToArray(), tape.Gradient(g)!.Span.ToArray(), tape.Gradient(l)!.Span.ToArray());
    }

    private static Tensor Fill(Random random, float scale, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Span[i] = (float)((random.NextDouble() - 0.5) * 2 * scale);
        }

        return t;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = 2e-5f * (1f + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}]: {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
