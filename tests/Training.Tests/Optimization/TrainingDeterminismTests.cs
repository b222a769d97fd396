using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class TrainingDeterminismTests
{
    [Fact]
    public void Same_seed_and_threads_give_bit_identical_parameters()
    {
        Assert.Equal(Bits(Train(seed: 42, threads: 1)), Bits(Train(seed: 42, threads: 1)));
        Assert.Equal(Bits(Train(seed: 42, threads: 2)), Bits(Train(seed: 42, threads: 2)));
    }

    [Fact]
    public void Thread_count_does_not_change_the_result()
    {
        // The GEMM computes each output element in a fixed order whatever the thread split, so one and two
        // threads train to the same bits.
        Assert.Equal(Bits(Train(seed: 42, threads: 1)), Bits(Train(seed: 42, threads: 2)));
    }

    [Fact]
    public void A_different_seed_gives_a_different_model()
    {
        Assert.NotEqual(Bits(Train(seed: 42, threads: 1)), Bits(Train(seed: 43, threads: 1)));
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    /// <summary>Trains a 43-128-128-43 ReLU network for a few Adam steps on shuffled minibatches of random data.</summary>
    private static float[] Train(ulong seed, int threads)
    {
        const int samples = 1024, batch = 256, width = 43;
        var random = new RandomSource(seed);
        var mlp = new Mlp("mlp", width, [128, 128], width, Activation.Relu, random.Fork(0));
        var data = random.Fork(1);
        var inputs = new Tensor(samples, width);
        var targets = new Tensor(samples, width);
        data.FillNormal(inputs.Span);
        data.FillNormal(targets.Span);

        var optimizer = new Adam(mlp.Parameters, learningRate: 1e-3f);
        var tape = new Tape(threads);
        var sampler = new MinibatchSampler(samples, batch, random.Fork(2));
        var x = new Tensor(batch, width);
        var y = new Tensor(batch, width);
        for (int step = 0; step < 8; step++)
        {
            var indices = sampler.Next();
            MinibatchSampler.GatherRows(inputs, indices, x);
            MinibatchSampler.GatherRows(targets, indices, y);
            tape.Reset();
            optimizer.ZeroGrad();
            var loss = tape.MeanAll(tape.Square(tape.Subtract(mlp.Forward(tape, tape.Constant(x)), tape.Constant(y))));
            tape.Backward(loss);
            optimizer.Step();
        }

        return [.. mlp.Parameters.SelectMany(p => p.Value.ToArray())];
    }
}
