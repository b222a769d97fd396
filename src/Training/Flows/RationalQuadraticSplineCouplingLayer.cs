using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Neural spline coupling (Durkan et al. 2019): the <see cref="CouplingLayer"/> skeleton with the
/// <see cref="RationalQuadraticSplineBijection"/>, so the transformed features each pass through a monotone
/// rational-quadratic spline with K bins on [-B, B] and identity tails outside, whose knots and derivatives the
/// conditioner computes from the conditioning features.
/// </summary>
public sealed class RationalQuadraticSplineCouplingLayer : CouplingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="partition">Which features condition and which are transformed.</param>
    /// <param name="hidden">Hidden widths of the conditioner.</param>
    /// <param name="activation">The conditioner's hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="bins">The number of bins K (at least 2).</param>
    /// <param name="bound">The half-width B of the spline's interval; outside [-B, B] the layer is the identity.</param>
    /// <param name="minBinWidth">The smallest bin width as a fraction of 2B (below 1/K).</param>
    /// <param name="minBinHeight">The smallest bin height as a fraction of 2B (below 1/K).</param>
    /// <param name="minDerivative">The smallest derivative at an interior knot, in (0, 1).</param>
    public RationalQuadraticSplineCouplingLayer(
        string name,
        CouplingPartition partition,
        IReadOnlyList<int> hidden,
        Activation activation,
        RandomSource random,
        int bins = 8,
        float bound = 3f,
        float minBinWidth = 1e-3f,
        float minBinHeight = 1e-3f,
        float minDerivative = 1e-3f)
        : base(name, partition, new RationalQuadraticSplineBijection(bins, bound, minBinWidth, minBinHeight, minDerivative), hidden, activation, random)
    {
    }

    /// <summary>The number of bins K.</summary>
    public int Bins => ((RationalQuadraticSplineBijection)Bijection).Bins;

    /// <summary>The half-width B of the spline's interval.</summary>
    public float Bound => ((RationalQuadraticSplineBijection)Bijection).Bound;
}
