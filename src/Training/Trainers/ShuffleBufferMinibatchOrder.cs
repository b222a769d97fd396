using MLNetMixture.Training.Data;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Minibatches of streamed rows held in a shuffle buffer of bounded size. When every training row fits in the buffer
/// they are read once and each epoch is a fresh permutation of them, exactly as in memory
/// (<see cref="MinibatchSampler"/>). Otherwise each epoch is one pass over the source: the buffer is filled with the
/// next rows in source order, its rows are permuted with the seeded generator and cut into minibatches, the rows left
/// over (fewer than a batch) stay for the next fill, and the remainder at the end of the pass is dropped. The order
/// depends only on the rows, the buffer size, the batch size and the seed, never on how the source cuts its blocks, so a
/// table in memory and the same rows in a file train identically.
/// </summary>
internal sealed class ShuffleBufferMinibatchOrder : IMinibatchOrder, IDisposable
{
    private readonly StreamedRows _rows;
    private readonly Func<FeatureTable, int[]>? _classesOf;
    private readonly Action<Span<float>>? _transform;
    private readonly RandomSource _random;
    private readonly MinibatchSampler? _resident;
    private readonly int[] _order;
    private IEnumerator<ArraySegment<int>>? _batches;

    /// <summary>Creates the order; with every row fitting in the buffer, reads them now.</summary>
    /// <param name="rows">The training rows.</param>
    /// <param name="rowsPerEpoch">How many training rows one pass gives (counted by an earlier pass).</param>
    /// <param name="bufferRows">The most rows the buffer holds; raised to the batch size when smaller.</param>
    /// <param name="batchSize">Rows per minibatch, at most <paramref name="rowsPerEpoch"/>.</param>
    /// <param name="random">The shuffling randomness.</param>
    /// <param name="classesOf">Each block's class indices (stored in <see cref="Classes"/>), or null without labels.</param>
    /// <param name="transform">Applied in place to each block's row-major features before they are buffered (standardisation), or null.</param>
    /// <param name="weighted">Whether to buffer the rows' example weights (<see cref="FeatureTable.Weights"/>, 1 when a block has none).</param>
    public ShuffleBufferMinibatchOrder(StreamedRows rows, int rowsPerEpoch, int bufferRows, int batchSize, RandomSource random, Func<FeatureTable, int[]>? classesOf = null, Action<Span<float>>? transform = null, bool weighted = false)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerEpoch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, rowsPerEpoch);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferRows, 1);
        _rows = rows;
        _classesOf = classesOf;
        _transform = transform;
        _random = random;
        BatchSize = batchSize;
        RowsPerEpoch = rowsPerEpoch;
        int capacity = Math.Min(Math.Max(bufferRows, batchSize), rowsPerEpoch);
        Features = new Tensor(capacity, rows.Width);
        Classes = new int[capacity];
        Weights = weighted ? new float[capacity] : null;
        _order = new int[capacity];
        if (capacity == rowsPerEpoch)
        {
            int loaded = 0;
            foreach (var block in rows.ReadBlocks())
            {
                loaded = Store(block, loaded, capacity);
            }

            CheckPass(loaded);
            _resident = new MinibatchSampler(rowsPerEpoch, batchSize, random, dropLast: true);
        }
    }

    /// <inheritdoc />
    public int BatchSize { get; }

    /// <inheritdoc />
    public int RowsPerEpoch { get; }

    /// <summary>Whether every training row stays in the buffer (read once).</summary>
    public bool Resident => _resident is not null;

    /// <summary>The buffered rows' features [capacity, width]: the rows <see cref="Next"/> indexes.</summary>
    public Tensor Features { get; }

    /// <summary>The buffered rows' class indices (0 without labels).</summary>
    public int[] Classes { get; }

    /// <summary>The buffered rows' example weights, or null when not buffered.</summary>
    public float[]? Weights { get; }

    /// <inheritdoc />
    public ReadOnlySpan<int> Next()
    {
        if (_resident is not null)
        {
            return _resident.Next();
        }

        _batches ??= Passes().GetEnumerator();
        _batches.MoveNext();
        return _batches.Current;
    }

    /// <inheritdoc />
    public void Dispose() => _batches?.Dispose();

    /// <summary>Endless passes over the source, each cut into minibatches of shuffled buffer fills.</summary>
    private IEnumerable<ArraySegment<int>> Passes()
    {
        int capacity = _order.Length;
        while (true)
        {
            int filled = 0;
            long passRows = 0;
            // The next buffer fill is read while the current one trains.
            foreach (var block in _rows.ReadBlocks(readAheadRows: capacity))
            {
                passRows += block.Rows;
                for (int start = 0; start < block.Rows;)
                {
                    int take = Math.Min(capacity - filled, block.Rows - start);
                    filled = Store(take == block.Rows ? block : block.Slice(start, take), filled, capacity);
                    start += take;
                    if (filled == capacity)
                    {
                        int batches = Shuffle(filled);
                        for (int b = 0; b < batches; b++)
                        {
                            yield return new ArraySegment<int>(_order, b * BatchSize, BatchSize);
                        }

                        filled = KeepLeftOver(batches * BatchSize, filled);
                    }
                }
            }

            CheckPass(passRows);
            int last = Shuffle(filled);
            for (int b = 0; b < last; b++)
            {
                yield return new ArraySegment<int>(_order, b * BatchSize, BatchSize);
            }
        }
    }

    /// <summary>Copies a block's rows into the buffer from slot <paramref name="slot"/> on; returns the next free slot.</summary>
    private int Store(FeatureTable block, int slot, int capacity)
    {
        if (slot + block.Rows > capacity)
        {
            throw new InvalidOperationException($"{_rows.Source.Source} gave more training rows than the {RowsPerEpoch} of its first pass: the data changed while training.");
        }

        int width = _rows.Width;
        var features = block.Features.AsSpan(0, block.Rows * width);
        _transform?.Invoke(features);
        features.CopyTo(Features.Span.Slice(slot * width));
        if (_classesOf?.Invoke(block) is { } classes)
        {
            classes.CopyTo(Classes.AsSpan(slot));
        }

        if (Weights is not null)
        {
            var weights = Weights.AsSpan(slot, block.Rows);
            for (int r = 0; r < block.Rows; r++)
            {
                weights[r] = block.Weights?[r] ?? 1f;
            }
        }

        return slot + block.Rows;
    }

    /// <summary>Permutes the first <paramref name="filled"/> slots into the order; returns how many full minibatches they make.</summary>
    private int Shuffle(int filled)
    {
        var order = _order.AsSpan(0, filled);
        for (int i = 0; i < filled; i++)
        {
            order[i] = i;
        }

        _random.Shuffle(order);
        return filled / BatchSize;
    }

    /// <summary>Moves the rows of order[used..filled) (fewer than a batch) to the buffer's first slots; returns their count.</summary>
    private int KeepLeftOver(int used, int filled)
    {
        int left = filled - used, width = _rows.Width;
        var slots = _order.AsSpan(used, left).ToArray();
        var features = new float[left * width];
        var classes = new int[left];
        var weights = new float[left];
        for (int i = 0; i < left; i++)
        {
            Features.Span.Slice(slots[i] * width, width).CopyTo(features.AsSpan(i * width, width));
            classes[i] = Classes[slots[i]];
            weights[i] = Weights?[slots[i]] ?? 1f;
        }

        features.CopyTo(Features.Span);
        classes.CopyTo(Classes.AsSpan());
        if (Weights is not null)
        {
            weights.CopyTo(Weights, 0);
        }

        return left;
    }

    private void CheckPass(long rows)
    {
        if (rows != RowsPerEpoch)
        {
            throw new InvalidOperationException($"{_rows.Source.Source} gave {rows} training rows in this pass and {RowsPerEpoch} in the first: the data changed while training.");
        }
    }
}
