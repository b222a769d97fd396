using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The coupling skeleton (Dinh et al. 2017): with x split by a <see cref="CouplingPartition"/> into the conditioning
/// part a and the transformed part b, an <see cref="Mlp"/> conditioner computes the parameters of an
/// <see cref="IElementwiseBijection"/> from a, and
/// <c>forward: y_a = x_a, y_b = g(x_b; c(a)),  log|det| = Σ log g';  inverse: x_b = g⁻¹(y_b; c(a))</c>.
/// </summary>
/// <remarks>
/// Any element-wise bijection plugs in (as in zuko's general coupling transform). The conditioner's last layer starts
/// at zero and a bijection's zero parameters are the identity, so a new layer is the identity.
/// </remarks>
public class CouplingLayer : IFlowLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="partition">Which features condition and which are transformed.</param>
    /// <param name="bijection">The map applied to each transformed feature.</param>
    /// <param name="hidden">Hidden widths of the conditioner.</param>
    /// <param name="activation">The conditioner's hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    public CouplingLayer(string name, CouplingPartition partition, IElementwiseBijection bijection, IReadOnlyList<int> hidden, Activation activation, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(bijection);
        Partition = partition;
        Bijection = bijection;
        Conditioner = new Mlp(name + ".conditioner", partition.Conditioning.Count, hidden, partition.Transformed.Count * bijection.ParametersPerElement, activation, random, zeroLastLayer: true);
        Parameters = Conditioner.Parameters;
    }

    /// <inheritdoc />
    public int Dimension => Partition.Dimension;

    /// <inheritdoc />
    public string Kind => Bijection.Name + "Coupling";

    /// <summary>The feature partition.</summary>
    public CouplingPartition Partition { get; }

    /// <summary>The map applied to each transformed feature.</summary>
    public IElementwiseBijection Bijection { get; }

    /// <summary>The network a ↦ the bijection's parameters for every transformed feature, in its <see cref="IElementwiseBijection.Layout"/>.</summary>
    public Mlp Conditioner { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, x);
        var (y, logDerivative) = Bijection.Forward(graph, b, Conditioner.Forward(graph, a));
        return (Partition.Merge(graph, a, y), graph.Sum(logDerivative, 1));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, y);
        var (x, logDerivative) = Bijection.Inverse(graph, b, Conditioner.Forward(graph, a));
        return (Partition.Merge(graph, a, x), graph.Sum(logDerivative, 1));
    }
}
