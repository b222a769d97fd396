using System.Numerics;
using System.Runtime.CompilerServices;

namespace MLNetMixture.Training.Randomness;

/// <summary>
/// A seeded, reproducible pseudo-random generator (xoshiro256** seeded through SplitMix64). The same seed gives
/// the same stream on every platform and .NET version, which <see cref="System.Random"/> does not promise.
/// <see cref="Fork"/> derives independent streams (per thread, per layer) without sharing state.
/// </summary>
public sealed class RandomSource
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Creates a generator from a seed.</summary>
    /// <param name="seed">Any value; equal seeds give equal streams.</param>
    public RandomSource(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The seed this generator was created with.</summary>
    public ulong Seed { get; }

    /// <summary>A generator for stream <paramref name="stream"/> of this seed, independent of this one's state.</summary>
    public RandomSource Fork(ulong stream)
    {
        ulong x = Seed ^ (0x9E3779B97F4A7C15UL * (stream + 1));
        return new RandomSource(SplitMix(ref x));
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in (0, 1): never exactly 0 or 1, so logarithms of it are finite.</summary>
    public float NextOpenUniform()
    {
        // 23 random bits centred in their cell: (k + 0.5) / 2^23 for k < 2^23. k + 0.5 needs 24 significant
        // bits, so it is exact in float32, and the result lies in [2^-24, 1 - 2^-24]: never 0, never 1.
        return ((NextUInt64() >> 41) + 0.5f) * (1f / (1 << 23));
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)((NextUInt64() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>A standard normal draw (Box-Muller in float64).</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }

        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        _spareNormal = r * Math.Sin(theta);
        _hasSpare = true;
        return r * Math.Cos(theta);
    }

    /// <summary>Fills <paramref name="destination"/> with uniforms in (0, 1).</summary>
    public void FillUniform(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = NextOpenUniform();
        }
    }

    /// <summary>Fills <paramref name="destination"/> with uniforms in [low, high).</summary>
    public void FillUniform(Span<float> destination, float low, float high)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = low + ((high - low) * (float)NextDouble());
        }
    }

    /// <summary>Fills <paramref name="destination"/> with normal draws of the given mean and standard deviation.</summary>
    public void FillNormal(Span<float> destination, float mean = 0f, float standardDeviation = 1f)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = mean + (standardDeviation * (float)NextNormal());
        }
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
