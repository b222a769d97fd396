using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class MinibatchSamplerTests
{
    [Fact]
    public void Each_epoch_visits_every_sample_once_in_a_new_order()
    {
        var sampler = new MinibatchSampler(10, 4, new RandomSource(1), dropLast: false);
        var epochs = new List<int[]>();
        for (int e = 0; e < 3; e++)
        {
            var seen = new List<int>();
            seen.AddRange(sampler.Next().ToArray());
            seen.AddRange(sampler.Next().ToArray());
            int[] last = sampler.Next().ToArray();
            Assert.Equal(2, last.Length);
            seen.AddRange(last);
            Assert.Equal(e, sampler.Epoch);
            Assert.Equal(Enumerable.Range(0, 10), seen.Order());
            epochs.Add([.. seen]);
        }

        Assert.NotEqual(epochs[0], epochs[1]);
    }

    [Fact]
    public void Drop_last_gives_full_batches_only_and_is_reproducible()
    {
        var a = new MinibatchSampler(10, 4, new RandomSource(9));
        var b = new MinibatchSampler(10, 4, new RandomSource(9));
        for (int i = 0; i < 7; i++)
        {
            var batch = a.Next().ToArray();
            Assert.Equal(4, batch.Length);
            Assert.Equal(batch, b.Next().ToArray());
            Assert.Equal(4, batch.Distinct().Count());
        }

        Assert.Equal(3, a.Epoch);
    }

    [Fact]
    public void Gather_rows_copies_the_selected_rows()
    {
        var source = Tensor.FromValues([0f, 1f, 10f, 11f, 20f, 21f], 3, 2);
        var destination = new Tensor(2, 2);
        MinibatchSampler.GatherRows(source, [2, 0], destination);
        Assert.Equal([20f, 21f, 0f, 1f], destination.ToArray());
    }
}
