using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Which features of a coupling layer pass through unchanged (and condition the transform) and which are
/// transformed (Dinh et al. 2017). Alternate partitions between stacked couplings so every feature is transformed.
/// </summary>
public sealed class CouplingPartition
{
    private readonly int[] _conditioning;
    private readonly int[] _transformed;
    private readonly int[] _merge;

    /// <summary>Creates a partition from the transformed feature indices; all others condition.</summary>
    /// <param name="dimension">The number of features D (at least 2).</param>
    /// <param name="transformed">Distinct indices in [0, D); neither empty nor all of them.</param>
    public CouplingPartition(int dimension, IEnumerable<int> transformed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        ArgumentNullException.ThrowIfNull(transformed);
        var set = new SortedSet<int>(transformed);
        if (set.Count == 0 || set.Count == dimension || set.Min < 0 || set.Max >= dimension)
        {
            throw new ArgumentException($"A coupling over {dimension} features needs between 1 and {dimension - 1} distinct transformed indices in [0, {dimension}).", nameof(transformed));
        }

        Dimension = dimension;
        _transformed = [.. set];
        _conditioning = [.. Enumerable.Range(0, dimension).Where(i => !set.Contains(i))];
        _merge = new int[dimension];
        for (int i = 0; i < _conditioning.Length; i++)
        {
            _merge[_conditioning[i]] = i;
        }

        for (int i = 0; i < _transformed.Length; i++)
        {
            _merge[_transformed[i]] = _conditioning.Length + i;
        }
    }

    /// <summary>The number of features D.</summary>
    public int Dimension { get; }

    /// <summary>Indices of the features that pass through unchanged and feed the conditioner, ascending.</summary>
    public IReadOnlyList<int> Conditioning => _conditioning;

    /// <summary>Indices of the features that are transformed, ascending.</summary>
    public IReadOnlyList<int> Transformed => _transformed;

    /// <summary>Transforms the last ⌈D/2⌉ features conditioned on the first ⌊D/2⌋, or the first ⌊D/2⌋ given the rest.</summary>
    /// <param name="dimension">The number of features D (at least 2).</param>
    /// <param name="transformSecondHalf">True: transform [⌊D/2⌋, D); false: transform [0, ⌊D/2⌋).</param>
    public static CouplingPartition Halves(int dimension, bool transformSecondHalf = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        int half = dimension / 2;
        return new CouplingPartition(dimension, transformSecondHalf ? Enumerable.Range(half, dimension - half) : Enumerable.Range(0, half));
    }

    /// <summary>Transforms the odd-indexed features given the even ones, or the even ones given the odd.</summary>
    /// <param name="dimension">The number of features D (at least 2).</param>
    /// <param name="transformOdd">True: transform indices 1, 3, 5, …; false: transform 0, 2, 4, ….</param>
    public static CouplingPartition Alternating(int dimension, bool transformOdd = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        return new CouplingPartition(dimension, Enumerable.Range(0, dimension).Where(i => (i % 2 == 1) == transformOdd));
    }

    /// <summary>The conditioning features [N, |A|] and the transformed features [N, |B|] of x [N, D].</summary>
    internal (Var Conditioning, Var Transformed) Split(IComputeGraph graph, Var x) =>
        (graph.Gather(x, 1, _conditioning), graph.Gather(x, 1, _transformed));

    /// <summary>Reassembles rows [N, D] in the original feature order from the two parts.</summary>
    internal Var Merge(IComputeGraph graph, Var conditioning, Var transformed) =>
        graph.Gather(graph.Concat(1, conditioning, transformed), 1, _merge);
}
