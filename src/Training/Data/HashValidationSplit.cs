namespace MLNetMixture.Training.Data;

/// <summary>
/// A validation split that needs no row count and no memory: row i (0-based, in source order) is held out when a
/// seeded hash of i falls below <see cref="Fraction"/>. A stream can be split while it is read, every pass alike.
/// </summary>
/// <param name="Fraction">The expected share of rows held out, in (0, 1).</param>
/// <param name="Seed">Chooses the held-out rows.</param>
internal sealed record HashValidationSplit(double Fraction, ulong Seed)
{
    /// <summary>Whether row <paramref name="row"/> is held out for validation.</summary>
    public bool IsValidation(long row)
    {
        // SplitMix64 finaliser of the seeded row index: every bit of the index moves every bit of the hash.
        ulong x = Seed ^ ((ulong)row * 0x9E3779B97F4A7C15UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53)) < Fraction;
    }
}
