using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The per-feature affine flow layer <c>y = (x - m) ⊙ s</c>, <c>log|det dy/dx| = Σ log s_d</c>, with the inverse
/// <c>x = y ⊘ s + m</c>. <see cref="ActNormLayer"/> (s = exp(-λ), learned) and <see cref="Standardizer"/>
/// (s = 1 / std, fixed from data) are its two parameterisations; the standardisation is the first layer of a
/// <see cref="MixtureDensityFlow"/>, so the density of the data as given is the plain sum of the layers' log-dets.
/// </summary>
/// <remarks>A subclass says how its scale parameter gives s, its reciprocal and Σ log s; everything else is shared.</remarks>
public abstract class ElementwiseAffineLayer : IFlowLayer
{
    private readonly Parameter _shift;

    /// <summary>Creates the layer over two parameters [D] (see <see cref="PerFeature"/>) that the subclass owns.</summary>
    /// <param name="shift">m [D], subtracted in the forward direction.</param>
    /// <param name="scale">The parameter [D] from which the subclass computes s.</param>
    protected ElementwiseAffineLayer(Parameter shift, Parameter scale)
    {
        _shift = shift;
        Dimension = shift.Value.Length;
        Parameters = [shift, scale];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The forward direction's rows (x - m) ⊙ s [N, D], without the log-determinant (to standardise inputs).</summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="x">Rows [N, D].</param>
    public Var Map(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Scale(graph, graph.Subtract(x, graph.Param(_shift)));
    }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x) =>
        (Map(graph, x), graph.RepeatPerRow(x, SumLogScale(graph)));

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var x = graph.Add(Unscale(graph, y), graph.Param(_shift));
        return (x, graph.Negate(graph.RepeatPerRow(y, SumLogScale(graph))));
    }

    /// <summary>A per-feature parameter [D] without weight decay, as both parameters of this layer are.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="dimension">The number of features D (positive).</param>
    /// <param name="trainable">Whether optimisers update it.</param>
    protected static Parameter PerFeature(string name, int dimension, bool trainable)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Parameter(name, dimension) { Trainable = trainable, ApplyWeightDecay = false };
    }

    /// <summary>v ⊙ s for rows v [N, D].</summary>
    protected abstract Var Scale(IComputeGraph graph, Var rows);

    /// <summary>v ⊘ s for rows v [N, D].</summary>
    protected abstract Var Unscale(IComputeGraph graph, Var rows);

    /// <summary>Σ_d log s_d, a scalar.</summary>
    protected abstract Var SumLogScale(IComputeGraph graph);
}
