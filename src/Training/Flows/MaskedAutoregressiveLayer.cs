using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Masked autoregressive flow layer (Papamakarios et al. 2017): the <see cref="AutoregressiveLayer"/> skeleton with
/// the <see cref="SoftClampedAffineBijection"/> (shift first), so for each feature d a shift μ_d and a log-scale α_d
/// depend only on x_(&lt;d), and
/// <c>forward (density): z_d = (x_d - μ_d) · exp(-α_d),  log|det dz/dx| = -Σ α_d</c>;
/// <c>inverse (sampling): x_d = z_d · exp(α_d) + μ_d,  log|det dx/dz| = Σ α_d</c>.
/// </summary>
public sealed class MaskedAutoregressiveLayer : AutoregressiveLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="hidden">Hidden widths of the MADE network (use at least D - 1 units per layer).</param>
    /// <param name="activation">The hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="scaleBound">The bound of the soft-clamped log-scale (positive, finite).</param>
    public MaskedAutoregressiveLayer(string name, int dimension, IReadOnlyList<int> hidden, Activation activation, RandomSource random, float scaleBound = 3f)
        : base(name, dimension, new SoftClampedAffineBijection(scaleBound, shiftFirst: true), hidden, activation, random)
    {
        ScaleBound = scaleBound;
    }

    /// <inheritdoc />
    public override string Kind => "MaskedAutoregressive";

    /// <summary>The bound of the log-scale: |α| &lt; <see cref="ScaleBound"/>.</summary>
    public float ScaleBound { get; }
}
