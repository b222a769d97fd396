using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Shuffled minibatches of sample indices: each epoch is a fresh permutation of 0..n-1 drawn from a
/// <see cref="RandomSource"/>, cut into consecutive batches. Allocation-free after construction.
/// </summary>
internal sealed class MinibatchSampler : IMinibatchOrder
{
    private readonly int[] _order;
    private readonly RandomSource _random;
    private int _position;

    /// <summary>Creates the sampler; the first epoch is shuffled on the first <see cref="Next"/>.</summary>
    /// <param name="sampleCount">Number of samples; positive.</param>
    /// <param name="batchSize">Samples per batch; positive, at most <paramref name="sampleCount"/> when <paramref name="dropLast"/>.</param>
    /// <param name="random">The shuffling randomness (the sampler advances it).</param>
    /// <param name="dropLast">When true, every batch has exactly <paramref name="batchSize"/> samples and an epoch's remainder is skipped; otherwise the last batch of an epoch may be smaller.</param>
    public MinibatchSampler(int sampleCount, int batchSize, RandomSource random, bool dropLast = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentNullException.ThrowIfNull(random);
        if (dropLast)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, sampleCount);
        }

        _order = new int[sampleCount];
        for (int i = 0; i < sampleCount; i++)
        {
            _order[i] = i;
        }

        _random = random;
        BatchSize = batchSize;
        DropLast = dropLast;
        _position = sampleCount;
        Epoch = -1;
    }

    /// <summary>Samples per (full) batch.</summary>
    public int BatchSize { get; }

    /// <inheritdoc />
    public int RowsPerEpoch => _order.Length;

    /// <summary>Whether an epoch's incomplete last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The 0-based epoch of the batch last returned (-1 before the first).</summary>
    public long Epoch { get; private set; }

    /// <summary>The next batch of indices; valid until the next call.</summary>
    public ReadOnlySpan<int> Next()
    {
        int remaining = _order.Length - _position;
        if (remaining == 0 || (DropLast && remaining < BatchSize))
        {
            _random.Shuffle(_order.AsSpan());
            _position = 0;
            Epoch++;
            remaining = _order.Length;
        }

        int count = Math.Min(BatchSize, remaining);
        var batch = _order.AsSpan(_position, count);
        _position += count;
        return batch;
    }

    /// <summary>Copies rows <paramref name="rows"/> of a [N, D] tensor into the first rows of a [B, D] tensor.</summary>
    public static void GatherRows(Tensor source, ReadOnlySpan<int> rows, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        int width = source.RowLength;
        if (destination.RowLength != width || destination.Rows < rows.Length)
        {
            throw new ArgumentException($"Cannot gather {rows.Length} rows of width {width} into a tensor of {destination.Rows} rows of width {destination.RowLength}.", nameof(destination));
        }

        GatherRows(source.Span, width, rows, destination.Span);
    }

    /// <summary>
    /// Copies rows <paramref name="rows"/> of row-major <paramref name="source"/> [N, width] into the first rows of
    /// <paramref name="destination"/>, fetching the rows a few ahead into the cache first (a minibatch's rows are
    /// scattered over the data set, so each is a cache miss otherwise).
    /// </summary>
    /// <param name="source">Rows of <paramref name="width"/> values.</param>
    /// <param name="width">Values per row.</param>
    /// <param name="rows">Indices of the rows to copy, each in [0, N).</param>
    /// <param name="destination">Receives rows.Length rows.</param>
    internal static unsafe void GatherRows(ReadOnlySpan<float> source, int width, ReadOnlySpan<int> rows, Span<float> destination)
    {
        const int ahead = 8;
        int sourceRows = width == 0 ? 0 : source.Length / width;
        if (destination.Length < (long)rows.Length * width)
        {
            throw new ArgumentException($"Cannot gather {rows.Length} rows of width {width} into {destination.Length} values.", nameof(destination));
        }

        foreach (int row in rows)
        {
            if ((uint)row >= (uint)sourceRows)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"Row index outside [0, {sourceRows}).");
            }
        }

        fixed (float* from = source)
        fixed (float* to = destination)
        {
            for (int i = 0; i < rows.Length; i++)
            {
                if (System.Runtime.Intrinsics.X86.Sse.IsSupported && i + ahead < rows.Length)
                {
                    float* next = from + ((nint)rows[i + ahead] * width);
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(next);
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + width - 1);
                }

                Buffer.MemoryCopy(from + ((nint)rows[i] * width), to + ((nint)i * width), (long)width * sizeof(float), (long)width * sizeof(float));
            }
        }
    }
}
