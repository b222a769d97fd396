using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// RealNVP affine coupling (Dinh et al. 2017). With x split by a <see cref="CouplingPartition"/> into the
/// conditioning part a and the transformed part b, an <see cref="Mlp"/> conditioner gives a log-scale s(a) and
/// a shift t(a), and
/// <c>forward: y_a = x_a, y_b = x_b · exp(s) + t,  log|det| = Σ s;  inverse: x_b = (y_b - t) · exp(-s),  log|det| = -Σ s</c>.
/// </summary>
/// <remarks>
/// The log-scale is soft-clamped, s = bound · tanh(raw / bound), so one layer scales by at most e^±bound. The
/// conditioner's last layer starts at zero, so a new layer is the identity.
/// </remarks>
public sealed class AffineCouplingLayer : IFlowLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="partition">Which features condition and which are transformed.</param>
    /// <param name="hidden">Hidden widths of the conditioner.</param>
    /// <param name="activation">The conditioner's hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="scaleBound">The bound of the soft-clamped log-scale (positive).</param>
    public AffineCouplingLayer(string name, CouplingPartition partition, IReadOnlyList<int> hidden, Activation activation, RandomSource random, float scaleBound = 3f)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scaleBound);
        if (!float.IsFinite(scaleBound))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "The scale bound must be finite.");
        }

        Partition = partition;
        ScaleBound = scaleBound;
        Conditioner = new Mlp(name + ".conditioner", partition.Conditioning.Count, hidden, 2 * partition.Transformed.Count, activation, random, zeroLastLayer: true);
        Parameters = Conditioner.Parameters;
    }

    /// <inheritdoc />
    public int Dimension => Partition.Dimension;

    /// <summary>The feature partition.</summary>
    public CouplingPartition Partition { get; }

    /// <summary>The bound of the log-scale: |s| &lt; <see cref="ScaleBound"/>.</summary>
    public float ScaleBound { get; }

    /// <summary>The network a ↦ [raw log-scale (|B| columns), shift (|B| columns)].</summary>
    public Mlp Conditioner { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, x);
        var (logScale, shift) = ScaleAndShift(graph, a);
        var y = graph.Add(graph.Multiply(b, graph.Exp(logScale)), shift);
        return (Partition.Merge(graph, a, y), graph.Sum(logScale, 1));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (a, b) = Partition.Split(graph, y);
        var (logScale, shift) = ScaleAndShift(graph, a);
        var x = graph.Multiply(graph.Subtract(b, shift), graph.Exp(graph.Negate(logScale)));
        return (Partition.Merge(graph, a, x), graph.Negate(graph.Sum(logScale, 1)));
    }

    private (Var LogScale, Var Shift) ScaleAndShift(IComputeGraph graph, Var conditioning)
    {
        int m = Partition.Transformed.Count;
        var h = Conditioner.Forward(graph, conditioning);
        var logScale = graph.SoftClamp(graph.Slice(h, 1, 0, m), ScaleBound);
        return (logScale, graph.Slice(h, 1, m, 2 * m));
    }
}
