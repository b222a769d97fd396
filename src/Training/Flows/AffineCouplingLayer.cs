using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// RealNVP affine coupling (Dinh et al. 2017): the <see cref="CouplingLayer"/> skeleton with the
/// <see cref="SoftClampedAffineBijection"/>. The conditioner gives a log-scale s(a) and a shift t(a), and
/// <c>forward: y_b = x_b · exp(s) + t,  log|det| = Σ s;  inverse: x_b = (y_b - t) · exp(-s),  log|det| = -Σ s</c>.
/// </summary>
public sealed class AffineCouplingLayer : CouplingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="partition">Which features condition and which are transformed.</param>
    /// <param name="hidden">Hidden widths of the conditioner.</param>
    /// <param name="activation">The conditioner's hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="scaleBound">The bound of the soft-clamped log-scale (positive).</param>
    public AffineCouplingLayer(string name, CouplingPartition partition, IReadOnlyList<int> hidden, Activation activation, RandomSource random, float scaleBound = 3f)
        : base(name, partition, new SoftClampedAffineBijection(scaleBound), hidden, activation, random)
    {
        ScaleBound = scaleBound;
    }

    /// <summary>The bound of the log-scale: |s| &lt; <see cref="ScaleBound"/>.</summary>
    public float ScaleBound { get; }
}
