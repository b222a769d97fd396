using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A fixed reordering of the features: <c>forward: y_i = x_(π(i));  inverse: x_(π(i)) = y_i;  log|det| = 0</c>.
/// Put between coupling or autoregressive layers so every feature is transformed and conditioned on.
/// </summary>
public sealed class PermutationLayer : IFlowLayer
{
    private readonly int[] _permutation;
    private readonly int[] _inverse;

    /// <summary>Creates the layer from a permutation π of 0..D-1.</summary>
    /// <param name="permutation">π: output feature i is input feature π[i]. Copied.</param>
    public PermutationLayer(IReadOnlyList<int> permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        int d = permutation.Count;
        if (d == 0 || permutation.Distinct().Count() != d || permutation.Any(p => p < 0 || p >= d))
        {
            throw new ArgumentException($"[{string.Join(", ", permutation)}] is not a permutation of 0..{d - 1}.", nameof(permutation));
        }

        _permutation = [.. permutation];
        _inverse = new int[d];
        for (int i = 0; i < d; i++)
        {
            _inverse[_permutation[i]] = i;
        }
    }

    /// <inheritdoc />
    public int Dimension => _permutation.Length;

    /// <summary>π: output feature i is input feature π[i].</summary>
    public IReadOnlyList<int> Permutation => _permutation;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Reverses the feature order.</summary>
    /// <param name="dimension">The number of features D.</param>
    public static PermutationLayer Reverse(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new PermutationLayer(Enumerable.Range(0, dimension).Reverse().ToArray());
    }

    /// <summary>A uniformly random (seeded, reproducible) order.</summary>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="random">The randomness; the same seed gives the same order.</param>
    public static PermutationLayer Random(int dimension, RandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(random);
        var order = Enumerable.Range(0, dimension).ToArray();
        random.Shuffle<int>(order);
        return new PermutationLayer(order);
    }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return (graph.Gather(x, 1, _permutation), graph.ZerosPerRow(x));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return (graph.Gather(y, 1, _inverse), graph.ZerosPerRow(y));
    }
}
