using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Neural spline coupling (Durkan et al. 2019): the transformed features each pass through a monotone
/// rational-quadratic spline with K bins on [-B, B] and identity tails outside, whose knots and derivatives an
/// <see cref="Mlp"/> computes from the conditioning features. <see cref="IFlowLayer.Forward"/> applies the spline
/// (log|det| = Σ log g'(x_b)); <see cref="IFlowLayer.Inverse"/> solves its quadratic in closed form.
/// </summary>
/// <remarks>
/// The conditioner's last layer starts at zero, which gives uniform bins with unit derivatives: the identity.
/// The spline math is evaluated on [rows × transformed features, bins] matrices, so every product is a plain
/// two-dimensional one; the bin is located by comparisons against the knots and their differences, not by a
/// search or a computed gather index.
/// </remarks>
public sealed class RationalQuadraticSplineCouplingLayer : IFlowLayer
{
    private readonly RationalQuadraticSpline _spline;

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
    {
        ArgumentNullException.ThrowIfNull(partition);
        _spline = new RationalQuadraticSpline(bins, bound, minBinWidth, minBinHeight, minDerivative);
        Partition = partition;
        Conditioner = new Mlp(name + ".conditioner", partition.Conditioning.Count, hidden, partition.Transformed.Count * _spline.ParametersPerElement, activation, random, zeroLastLayer: true);
        Parameters = Conditioner.Parameters;
    }

    /// <inheritdoc />
    public int Dimension => Partition.Dimension;

    /// <summary>The feature partition.</summary>
    public CouplingPartition Partition { get; }

    /// <summary>The number of bins K.</summary>
    public int Bins => _spline.Bins;

    /// <summary>The half-width B of the spline's interval.</summary>
    public float Bound => _spline.Bound;

    /// <summary>
    /// The network a ↦ spline parameters: for each transformed feature in turn, 3K - 1 values
    /// [K width logits, K height logits, K - 1 interior derivative pre-activations].
    /// </summary>
    public Mlp Conditioner { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, x);
        var (y, logDet) = Transform(graph, a, b, inverse: false);
        return (Partition.Merge(graph, a, y), logDet);
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, y);
        var (x, logDet) = Transform(graph, a, b, inverse: true);
        return (Partition.Merge(graph, a, x), logDet);
    }

    private (Var Output, Var LogDet) Transform(IComputeGraph graph, Var conditioning, Var transformed, bool inverse)
    {
        int m = Partition.Transformed.Count;
        var parameters = graph.Reshape(Conditioner.Forward(graph, conditioning), -1, _spline.ParametersPerElement);
        var (output, logDerivative) = _spline.Apply(graph, graph.Reshape(transformed, -1, 1), parameters, inverse);
        return (graph.Reshape(output, -1, m), graph.Sum(graph.Reshape(logDerivative, -1, m), 1));
    }
}
