using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class DenormalGuardTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decay_only_steps_never_leave_subnormals_in_state_or_parameters(bool flush)
    {
        // A few real gradients give the moments some mass; then 10,000 steps of zero gradient with weight decay,
        // as for the weights of dead ReLU units. Every value decays geometrically (p by 1 - lr wd = 0.95, m by
        // beta1, v by beta2) and, without the flush, gets stuck a few ulps into the subnormal range, because
        // rounding x * 0.95 back to x is exact there.
        var random = new RandomSource(5);
        var w = new Parameter("w", new Tensor(37, 11));
        var b = new Parameter("b", new Tensor(13)) { ApplyWeightDecay = false };
        random.FillUniform(w.Value.Span, -1f, 1f);
        random.FillUniform(b.Value.Span, -1f, 1f);
        var optimizer = new AdamW([w, b], learningRate: 0.1f, beta2: 0.99f, weightDecay: 0.5f) { FlushTinyValues = flush };
        for (int t = 0; t < 10; t++)
        {
            random.FillNormal(w.Grad.Span, 0f, 1e-2f);
            random.FillNormal(b.Grad.Span, 0f, 1e-2f);
            optimizer.Step();
        }

        optimizer.ZeroGrad();
        for (int t = 0; t < 10_000; t++)
        {
            optimizer.Step();
        }

        int subnormals = 0;
        foreach (var p in optimizer.Parameters)
        {
            subnormals += CountSubnormals(p.Value.Span);
            subnormals += CountSubnormals(optimizer.GetSlot(p.Name, Adam.FirstMomentSlot).Span);
            subnormals += CountSubnormals(optimizer.GetSlot(p.Name, Adam.SecondMomentSlot).Span);
        }

        if (flush)
        {
            Assert.Equal(0, subnormals);
            Assert.All(w.Value.ToArray(), x => Assert.Equal(0f, x));
            Assert.All(optimizer.GetSlot("w", Adam.SecondMomentSlot).ToArray(), x => Assert.Equal(0f, x));
        }
        else
        {
            // The scenario is real: without the guard the state is full of subnormals.
            Assert.True(subnormals > w.Value.Length, $"expected many subnormals without the guard, found {subnormals}");
        }
    }

    [Fact]
    public void Flush_leaves_normal_range_training_bit_identical()
    {
        float[] withFlush = Train(flush: true);
        float[] withoutFlush = Train(flush: false);
        Assert.Equal(withoutFlush, withFlush);
        Assert.DoesNotContain(withFlush, x => x != 0f && MathF.Abs(x) < AdamKernel.FlushThreshold);
    }

    [Fact]
    public void Nan_survives_the_flush()
    {
        var p = new Parameter("p", new Tensor(10));
        var optimizer = new Adam([p]);
        p.Grad.Span[1] = float.NaN;
        p.Grad.Span[9] = float.NaN;
        optimizer.Step();
        Assert.True(float.IsNaN(p.Value.Span[1]));
        Assert.True(float.IsNaN(p.Value.Span[9]));
        Assert.Equal(0f, p.Value.Span[0]);
    }

    private static float[] Train(bool flush)
    {
        var random = new RandomSource(21);
        var mlp = new Mlp("mlp", 9, [16], 3, Activation.Relu, random);
        var x = new Tensor(32, 9);
        var y = new Tensor(32, 3);
        random.FillNormal(x.Span);
        random.FillNormal(y.Span);
        var optimizer = new AdamW(mlp.Parameters, learningRate: 1e-2f, weightDecay: 1e-2f) { FlushTinyValues = flush };
        var tape = new Tape(threads: 1);
        for (int t = 0; t < 25; t++)
        {
            tape.Reset();
            optimizer.ZeroGrad();
            var loss = tape.MeanAll(tape.Square(tape.Subtract(mlp.Forward(tape, tape.Constant(x)), tape.Constant(y))));
            tape.Backward(loss);
            optimizer.Step();
        }

        return [.. mlp.Parameters.SelectMany(p => p.Value.ToArray())];
    }

    private static int CountSubnormals(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float x in values)
        {
            count += float.IsSubnormal(x) ? 1 : 0;
        }

        return count;
    }
}
