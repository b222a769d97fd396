using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A normalizing flow whose base distribution is a learnable diagonal mixture of Gaussians: the standardisation
/// (an <see cref="ElementwiseAffineLayer"/>) is the first layer of <see cref="DataToLatent"/>, <c>z = f(x)</c> through
/// the layers' normalising direction, and <c>log p(x) = log p_base(z) + Σ_l log|det df_l|</c>, the plain sum of the
/// layers' log-determinants. With one component the base is a frozen
/// standard normal. Every method is written in <see cref="IComputeGraph"/> operations, so the same code trains
/// on a <see cref="Tape"/> and exports to ONNX.
/// </summary>
public sealed class MixtureDensityFlow : IModule
{
    /// <summary>Assembles the model.</summary>
    /// <param name="flow">The layers (normalising direction = data to latent).</param>
    /// <param name="baseDistribution">The mixture base; its dimension must match the flow's.</param>
    /// <param name="standardizer">Input standardisation learned from data, or null for none.</param>
    public MixtureDensityFlow(FlowSequence flow, DiagonalGaussianMixture baseDistribution, Standardizer? standardizer = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(baseDistribution);
        if (baseDistribution.Dimension != flow.Dimension || (standardizer is not null && standardizer.Dimension != flow.Dimension))
        {
            throw new ArgumentException($"Dimensions differ: flow {flow.Dimension}, base {baseDistribution.Dimension}, standardizer {standardizer?.Dimension.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.");
        }

        Flow = flow;
        Base = baseDistribution;
        Standardizer = standardizer;
        DataToLatent = standardizer is null ? flow : new FlowSequence(standardizer, flow);
        var all = new List<Parameter>();
        if (standardizer is not null)
        {
            all.AddRange(standardizer.Parameters);
        }

        all.AddRange(flow.Parameters);
        all.AddRange(baseDistribution.Parameters);
        Parameters = all;
    }

    /// <summary>The data dimension D.</summary>
    public int Dimension => Flow.Dimension;

    /// <summary>The number of mixture components K of the base.</summary>
    public int Components => Base.Components;

    /// <summary>The flow layers.</summary>
    public FlowSequence Flow { get; }

    /// <summary>The mixture base distribution.</summary>
    public DiagonalGaussianMixture Base { get; }

    /// <summary>The input standardisation, or null.</summary>
    public Standardizer? Standardizer { get; }

    /// <summary>Every layer from data to latent: the <see cref="Standardizer"/> (when there is one), then <see cref="Flow"/>.</summary>
    public FlowSequence DataToLatent { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>A frozen standard-normal base (one component, zero mean, unit sigma) for <paramref name="dimension"/>.</summary>
    public static DiagonalGaussianMixture StandardNormalBase(string name, int dimension)
    {
        var b = new DiagonalGaussianMixture(name, 1, dimension);
        foreach (var p in b.Parameters)
        {
            p.Value.Clear();
            p.Trainable = false;
        }

        return b;
    }

    /// <summary>The latent point z [N, D] of data x [N, D] and log|det dz/dx| [N] (standardisation included).</summary>
    public (Var Z, Var LogDet) ToLatent(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return DataToLatent.Forward(graph, x);
    }

    /// <summary>log p(x) [N] for data x [N, D].</summary>
    public Var LogDensity(IComputeGraph graph, Var x)
    {
        var (z, logDet) = ToLatent(graph, x);
        return graph.Add(Base.LogDensity(graph, z), logDet);
    }

    /// <summary>log p(x) [N] and the posterior over base components p(k | x) [N, K] (which mode each row belongs to).</summary>
    public (Var LogDensity, Var Posterior) LogDensityAndPosterior(IComputeGraph graph, Var x)
    {
        var (z, logDet) = ToLatent(graph, x);
        var joint = Base.JointLogDensities(graph, z);
        var logBase = graph.LogSumExp(joint, -1, keepDims: true);
        var posterior = graph.Exp(graph.Subtract(joint, logBase));
        return (graph.Add(graph.Reshape(logBase, -1), logDet), posterior);
    }

    /// <summary>
    /// Reparameterised samples: the component is drawn with the Gumbel-softmax relaxation from
    /// <paramref name="uniforms"/> [N, K], the base point is <c>mu_c + w sigma_c</c> with <paramref name="normals"/>
    /// [N, D], and the flow's sampling direction maps it to data space. Returns the samples [N, D], their latent
    /// points z and the log|det dx/dz| [N] of the map, so callers can score them under any base density.
    /// </summary>
    public (Var Samples, Var Latent, Var LogDetToData) SampleWithLatent(IComputeGraph graph, Var uniforms, Var normals, float temperature, bool straightThrough = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var z = Base.Sample(graph, uniforms, normals, temperature, straightThrough);
        var (x, logDet) = DataToLatent.Inverse(graph, z);
        return (x, z, logDet);
    }

    /// <summary>
    /// Reparameterised samples [N, D] with their log-density [N] under the model (the exact mixture density of the
    /// base point, minus the log-Jacobian of the sampling map).
    /// </summary>
    public (Var Samples, Var LogDensity) Sample(IComputeGraph graph, Var uniforms, Var normals, float temperature, bool straightThrough = false)
    {
        var (x, z, logDet) = SampleWithLatent(graph, uniforms, normals, temperature, straightThrough);
        return (x, graph.Subtract(Base.LogDensity(graph, z), logDet));
    }
}
