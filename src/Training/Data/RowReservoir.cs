using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Data;

/// <summary>A seeded uniform sample of at most <see cref="Capacity"/> rows of a stream (reservoir sampling), in bounded memory.</summary>
internal sealed class RowReservoir
{
    private readonly float[] _rows;
    private readonly int _width;
    private readonly RandomSource _random;
    private long _seen;

    /// <summary>Creates an empty reservoir.</summary>
    public RowReservoir(int capacity, int width, RandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _width = width;
        _random = random;
        _rows = new float[(long)capacity * width];
    }

    /// <summary>The most rows kept.</summary>
    public int Capacity { get; }

    /// <summary>Offers one row: the first <see cref="Capacity"/> are kept, then row t replaces a random one with probability Capacity / (t + 1).</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        long slot = _seen < Capacity ? _seen : (long)(_random.NextUInt64() % (ulong)(_seen + 1));
        _seen++;
        if (slot < Capacity)
        {
            row.CopyTo(_rows.AsSpan((int)(slot * _width), _width));
        }
    }

    /// <summary>The kept rows [min(seen, Capacity), width].</summary>
    public Tensor ToTensor()
    {
        int rows = (int)Math.Min(_seen, Capacity);
        return new Tensor(_rows.AsSpan(0, rows * _width).ToArray(), rows, _width);
    }
}
