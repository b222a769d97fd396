using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Masked autoregressive flow layer (Papamakarios et al. 2017). A <see cref="MadeNetwork"/> gives, for each
/// feature d, a shift μ_d and a log-scale α_d that depend only on x_(&lt;d), and
/// <c>forward (density): z_d = (x_d - μ_d(x_(&lt;d))) · exp(-α_d),  log|det dz/dx| = -Σ α_d</c>;
/// <c>inverse (sampling): x_d = z_d · exp(α_d(x_(&lt;d))) + μ_d,  log|det dx/dz| = Σ α_d</c>.
/// </summary>
/// <remarks>
/// <para>The density direction takes one network pass. The sampling direction takes D passes: starting from
/// any guess (z itself), each pass recomputes every feature from the previous estimate; after pass t the first t
/// features are exact, so D passes give the exact inverse. D is static, so this is a fixed unrolled graph.</para>
/// <para>The log-scale is soft-clamped, α = bound · tanh(raw / bound). The network's last layer starts at zero,
/// so a new layer is the identity. Features are taken in index order; put permutations between layers.</para>
/// </remarks>
public sealed class MaskedAutoregressiveLayer : IFlowLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="hidden">Hidden widths of the MADE network (use at least D - 1 units per layer).</param>
    /// <param name="activation">The hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="scaleBound">The bound of the soft-clamped log-scale (positive, finite).</param>
    public MaskedAutoregressiveLayer(string name, int dimension, IReadOnlyList<int> hidden, Activation activation, RandomSource random, float scaleBound = 3f)
    {
        if (!(scaleBound > 0f) || !float.IsFinite(scaleBound))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "The scale bound must be positive and finite.");
        }

        ScaleBound = scaleBound;
        Network = new MadeNetwork(name + ".made", dimension, hidden, 2, activation, random, zeroLastLayer: true);
        Parameters = Network.Parameters;
    }

    /// <inheritdoc />
    public int Dimension => Network.Dimension;

    /// <summary>The bound of the log-scale: |α| &lt; <see cref="ScaleBound"/>.</summary>
    public float ScaleBound { get; }

    /// <summary>The network x ↦ [μ (D columns), raw α (D columns)].</summary>
    public MadeNetwork Network { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (shift, logScale) = ShiftAndLogScale(graph, x);
        var z = graph.Multiply(graph.Subtract(x, shift), graph.Exp(graph.Negate(logScale)));
        return (z, graph.Negate(graph.Sum(logScale, 1)));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var x = y;
        Var logScale = default;
        for (int pass = 0; pass < Dimension; pass++)
        {
            (var shift, logScale) = ShiftAndLogScale(graph, x);
            x = graph.Add(graph.Multiply(y, graph.Exp(logScale)), shift);
        }

        // The last pass read an estimate whose first D - 1 features were exact: all its log-scales are exact.
        return (x, graph.Sum(logScale, 1));
    }

    private (Var Shift, Var LogScale) ShiftAndLogScale(IComputeGraph graph, Var x)
    {
        int d = Dimension;
        var h = Network.Forward(graph, x);
        return (graph.Slice(h, 1, 0, d), graph.SoftClamp(graph.Slice(h, 1, d, 2 * d), ScaleBound));
    }
}
