using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The masked autoregressive skeleton (Papamakarios et al. 2017): an <see cref="Mlp"/> with <see cref="MadeMasks"/>
/// computes, for each feature d, the parameters θ_d(x_(&lt;d)) of an <see cref="IElementwiseBijection"/> g that maps
/// latent to data, <c>x_d = g(z_d; θ_d(x_(&lt;d)))</c>. Hence
/// <c>forward (density): z_d = g⁻¹(x_d; θ_d(x_(&lt;d))),  log|det dz/dx| = Σ log (g⁻¹)'</c> and
/// <c>inverse (sampling): x_d = g(z_d; θ_d(x_(&lt;d)))</c>.
/// </summary>
/// <remarks>
/// <para>The density direction takes one network pass. The sampling direction takes D passes: starting from
/// any guess (z itself), each pass recomputes every feature from the previous estimate; after pass t the first t
/// features are exact, so D passes give the exact inverse. D is static, so this is a fixed unrolled graph.</para>
/// <para>The network's last layer starts at zero, so a new layer is the identity. Features are taken in index order;
/// put permutations between layers.</para>
/// </remarks>
public class AutoregressiveLayer : IFlowLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="bijection">The latent-to-data map of each feature.</param>
    /// <param name="hidden">Hidden widths of the MADE network (use at least D - 1 units per layer).</param>
    /// <param name="activation">The hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    public AutoregressiveLayer(string name, int dimension, IElementwiseBijection bijection, IReadOnlyList<int> hidden, Activation activation, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(bijection);
        int outputsPerFeature = bijection.ParametersPerElement;
        var masks = MadeMasks.Create(dimension, hidden, outputsPerFeature, bijection.Layout);
        Dimension = dimension;
        Bijection = bijection;
        Network = new Mlp(name + ".made", dimension, hidden, outputsPerFeature * dimension, activation, random, zeroLastLayer: true, masks);
        Parameters = Network.Parameters;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public virtual string Kind => Bijection.Name + "Autoregressive";

    /// <summary>The latent-to-data map of each feature.</summary>
    public IElementwiseBijection Bijection { get; }

    /// <summary>The masked network x ↦ the bijection's parameters for every feature, in its <see cref="IElementwiseBijection.Layout"/>.</summary>
    public Mlp Network { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (z, logDerivative) = Bijection.Inverse(graph, x, Network.Forward(graph, x));
        return (z, graph.Sum(logDerivative, 1));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var x = y;
        Var logDerivative = default;
        for (int pass = 0; pass < Dimension; pass++)
        {
            (x, logDerivative) = Bijection.Forward(graph, y, Network.Forward(graph, x));
        }

        // The last pass read an estimate whose first D - 1 features were exact: all its log-derivatives are exact.
        return (x, graph.Sum(logDerivative, 1));
    }
}
