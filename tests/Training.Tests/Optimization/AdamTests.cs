using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class AdamTests
{
    // Produced by torch 1.13 (Debian python3-torch): 11 values (one AVX2 vector plus a scalar tail),
    // p_i = cos(0.7 i), gradient at step s = 0.5 sin(i + 2 s), three steps, lr 0.01, weight decay 0.1.
    private static readonly float[] TorchAdam = [0.978446186f, 0.74505806f, 0.159905002f, -0.505703211f, -0.921089232f, -0.921691418f, -0.483724445f, 0.166856363f, 0.76066947f, 0.989591539f, 0.771473825f];
    private static readonly float[] TorchAdamW = [0.989236593f, 0.745486736f, 0.160268858f, -0.506431758f, -0.921188593f, -0.923527002f, -0.484807163f, 0.166841298f, 0.762129486f, 0.992010415f, 0.771266699f];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Three_steps_match_pytorch(bool decoupled)
    {
        var p = new Parameter("p", new Tensor(11));
        for (int i = 0; i < 11; i++)
        {
            p.Value.Span[i] = (float)Math.Cos(0.7 * i);
        }

        Adam optimizer = decoupled
            ? new AdamW([p], learningRate: 0.01f, weightDecay: 0.1f)
            : new Adam([p], learningRate: 0.01f, weightDecay: 0.1f);
        for (int step = 0; step < 3; step++)
        {
            optimizer.ZeroGrad();
            for (int i = 0; i < 11; i++)
            {
                p.Grad.Span[i] = (float)(Math.Sin(i + (2.0 * step)) * 0.5);
            }

            optimizer.Step();
        }

        var expected = decoupled ? TorchAdamW : TorchAdam;
        for (int i = 0; i < 11; i++)
        {
            Assert.Equal(expected[i], p.Value.Span[i], 6);
        }
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(false, 0.05f)]
    [InlineData(true, 0.05f)]
    public void Matches_a_float64_reference_over_many_steps(bool decoupled, float weightDecay)
    {
        const int n = 37;
        const float lr = 3e-3f, beta1 = 0.8f, beta2 = 0.99f, eps = 1e-6f;
        var random = new RandomSource(7);
        var p = new Parameter("p", new Tensor(n));
        random.FillNormal(p.Value.Span);
        double[] rp = [.. p.Value.ToArray().Select(x => (double)x)];
        double[] rm = new double[n], rv = new double[n];
        Adam optimizer = decoupled
            ? new AdamW([p], lr, beta1, beta2, eps, weightDecay)
            : new Adam([p], lr, beta1, beta2, eps, weightDecay);

        for (int t = 1; t <= 50; t++)
        {
            random.FillNormal(p.Grad.Span);
            for (int i = 0; i < n; i++)
            {
                double g = p.Grad.Span[i];
                if (!decoupled)
                {
                    g += weightDecay * rp[i];
                }
                else
                {
                    rp[i] *= 1.0 - (lr * (double)weightDecay);
                }

                rm[i] = (beta1 * rm[i]) + ((1 - beta1) * g);
                rv[i] = (beta2 * rv[i]) + ((1 - beta2) * g * g);
                double mhat = rm[i] / (1 - Math.Pow(beta1, t));
                double vhat = rv[i] / (1 - Math.Pow(beta2, t));
                rp[i] -= lr * mhat / (Math.Sqrt(vhat) + eps);
            }

            optimizer.Step();
        }

        for (int i = 0; i < n; i++)
        {
            Assert.InRange(Math.Abs(rp[i] - p.Value.Span[i]), 0, 1e-5 * (1 + Math.Abs(rp[i])));
            Assert.InRange(Math.Abs(rm[i] - optimizer.GetSlot("p", Adam.FirstMomentSlot).Span[i]), 0, 1e-5);
            Assert.InRange(Math.Abs(rv[i] - optimizer.GetSlot("p", Adam.SecondMomentSlot).Span[i]), 0, 1e-5);
        }
    }

    [Fact]
    public void Vector_lanes_and_scalar_tail_give_identical_bits()
    {
        // 19 = two AVX2 vectors + 3 tail elements; identical inputs must give identical outputs everywhere.
        var p = new Parameter("p", new Tensor(19));
        p.Value.Fill(0.3f);
        var optimizer = new AdamW([p], learningRate: 0.01f, weightDecay: 0.1f);
        for (int t = 0; t < 20; t++)
        {
            p.Grad.Fill(MathF.Sin(t) * 0.1f);
            optimizer.Step();
        }

        Assert.All(p.Value.ToArray(), x => Assert.Equal(BitConverter.SingleToInt32Bits(p.Value.Span[0]), BitConverter.SingleToInt32Bits(x)));
        Assert.NotEqual(0.3f, p.Value.Span[0]);
    }

    [Fact]
    public void Frozen_parameters_are_not_touched_and_keep_their_step_count()
    {
        var a = new Parameter("a", Tensor.FromValues([1f, 2f, 3f], 3));
        var b = new Parameter("b", Tensor.FromValues([1f, 2f, 3f], 3));
        var optimizer = new Adam([a, b], learningRate: 0.1f);
        b.Trainable = false;
        for (int t = 0; t < 3; t++)
        {
            a.Grad.Fill(1f);
            b.Grad.Fill(1f);
            optimizer.Step();
        }

        Assert.Equal([1f, 2f, 3f], b.Value.ToArray());
        Assert.All(optimizer.GetSlot("b", Adam.FirstMomentSlot).ToArray(), x => Assert.Equal(0f, x));
        Assert.Equal(0, optimizer.GetParameterStepCount("b"));
        Assert.Equal(3, optimizer.GetParameterStepCount("a"));
        Assert.All(a.Value.ToArray().Zip([1f, 2f, 3f]), pair => Assert.True(pair.First < pair.Second));

        b.Trainable = true;
        optimizer.Step();
        Assert.Equal(1, optimizer.GetParameterStepCount("b"));

        // The first update of b is bias-corrected as a first step: exactly lr * g / (|g| + eps) ~ lr.
        Assert.Equal(1f - 0.1f, b.Value.Span[0], 5);
        Assert.Equal(4, optimizer.StepCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Weight_decay_skips_parameters_that_opt_out(bool decoupled)
    {
        var weight = new Parameter("w", Tensor.FromValues([2f, -2f], 2));
        var bias = new Parameter("b", Tensor.FromValues([2f, -2f], 2)) { ApplyWeightDecay = false };
        Adam optimizer = decoupled
            ? new AdamW([weight, bias], learningRate: 0.1f, weightDecay: 0.5f)
            : new Adam([weight, bias], learningRate: 0.1f, weightDecay: 0.5f);
        for (int t = 0; t < 5; t++)
        {
            optimizer.ZeroGrad();
            optimizer.Step();
        }

        Assert.Equal([2f, -2f], bias.Value.ToArray());
        Assert.True(MathF.Abs(weight.Value.Span[0]) < 2f);
        Assert.Equal(weight.Value.Span[0], -weight.Value.Span[1]);
        if (decoupled)
        {
            // Zero gradients: AdamW only shrinks, by (1 - lr wd) per step.
            Assert.Equal(2f * MathF.Pow(0.95f, 5), weight.Value.Span[0], 5);
        }
    }

    [Fact]
    public void Schedule_sets_the_learning_rate_of_each_step()
    {
        var p = new Parameter("p", new Tensor(4));
        var optimizer = new Adam([p], learningRate: 1f) { Schedule = new StepDecaySchedule(0.5f, 2, 0.1f) };
        var seen = new List<float>();
        for (int t = 0; t < 5; t++)
        {
            optimizer.Step();
            seen.Add(optimizer.LearningRate);
        }

        Assert.Equal([0.5f, 0.5f, 0.05f, 0.05f, 0.005f], seen.ToArray(), new RelativeComparer(1e-6f));
    }

    [Fact]
    public void Step_and_zero_grad_allocate_nothing()
    {
        var random = new RandomSource(3);
        var layer = new Parameter("w", new Tensor(64, 33));
        var bias = new Parameter("b", new Tensor(33)) { ApplyWeightDecay = false };
        var optimizer = new AdamW([layer, bias]) { Schedule = new CosineSchedule(1e-3f, 1000, warmupSteps: 10) };
        random.FillNormal(layer.Grad.Span);
        optimizer.Step();
        optimizer.ZeroGrad();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 200; t++)
        {
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Restoring_captured_state_replays_training_bit_for_bit()
    {
        var random = new RandomSource(11);
        var w = new Parameter("w", new Tensor(5, 7));
        var b = new Parameter("b", new Tensor(7));
        random.FillNormal(w.Value.Span);
        var optimizer = new AdamW([w, b], learningRate: 0.01f);
        float[][] grads = [.. Enumerable.Range(0, 10).Select(_ =>
        {
            var g = new float[35 + 7];
            random.FillNormal(g);
            return g;
        })];

        void Run(int from, int to)
        {
            for (int t = from; t < to; t++)
            {
                grads[t].AsSpan(0, 35).CopyTo(w.Grad.Span);
                grads[t].AsSpan(35).CopyTo(b.Grad.Span);
                optimizer.Step();
            }
        }

        Run(0, 5);
        var parameters = ParameterSnapshot.Capture(optimizer.Parameters);
        var state = optimizer.CaptureState();
        Run(5, 10);
        float[] first = [.. w.Value.ToArray(), .. b.Value.ToArray()];
        var afterFirst = optimizer.CaptureState();

        parameters.RestoreTo(optimizer.Parameters);
        optimizer.RestoreState(state);
        Assert.Equal(5, optimizer.StepCount);
        Assert.Equal(5, optimizer.GetParameterStepCount("w"));
        Run(5, 10);
        float[] second = [.. w.Value.ToArray(), .. b.Value.ToArray()];

        Assert.Equal(first, second);
        var again = optimizer.CaptureState();
        optimizer.CopyStateTo(state);
        Assert.Equal(10, state.StepCount);
        Assert.Equal(afterFirst.GetSlot("w", Adam.SecondMomentSlot).ToArray(), state.GetSlot("w", Adam.SecondMomentSlot).ToArray());
        Assert.Equal(again.GetSlot("b", Adam.FirstMomentSlot).ToArray(), optimizer.GetSlot("b", Adam.FirstMomentSlot).ToArray());
        Assert.NotSame(again.GetSlot("b", Adam.FirstMomentSlot), optimizer.GetSlot("b", Adam.FirstMomentSlot));
    }

    [Fact]
    public void State_of_a_different_optimizer_or_model_is_rejected()
    {
        var w = new Parameter("w", new Tensor(3));
        var other = new Parameter("other", new Tensor(3));
        var adam = new Adam([w]);
        Assert.Throws<ArgumentException>(() => adam.RestoreState(new AdamW([w]).CaptureState()));
        Assert.Throws<ArgumentException>(() => adam.RestoreState(new Adam([other]).CaptureState()));
        Assert.Throws<ArgumentException>(() => adam.RestoreState(new Adam([new Parameter("w", new Tensor(4))]).CaptureState()));
        Assert.Throws<ArgumentException>(() => adam.GetSlot("w", "Velocity"));
        Assert.Throws<ArgumentException>(() => adam.GetSlot("missing", Adam.FirstMomentSlot));
    }

    [Fact]
    public void Duplicate_parameters_and_bad_hyperparameters_are_rejected()
    {
        var w = new Parameter("w", new Tensor(3));
        Assert.Throws<ArgumentException>(() => new Adam([w, w]));
        Assert.Throws<ArgumentException>(() => new Adam([w, new Parameter("w", new Tensor(2))]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], learningRate: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([w], weightDecay: -1f));
        var adam = new Adam([w]);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -1f);
    }

    private sealed class RelativeComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance * MathF.Max(MathF.Abs(x), MathF.Abs(y));

        public int GetHashCode(float obj) => 0;
    }
}
