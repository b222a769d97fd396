using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Activation normalisation (Kingma &amp; Dhariwal 2018): the <see cref="ElementwiseAffineLayer"/> with a learned
/// log-scale and a data-dependent start,
/// <c>forward: y = (x - m) ⊙ exp(-λ),  log|det| = -Σ λ;  inverse: x = y ⊙ exp(λ) + m,  log|det| = Σ λ</c>.
/// </summary>
/// <remarks>
/// <see cref="InitializeFrom"/> sets m to the per-feature mean and λ to the log standard deviation of a batch,
/// so that batch leaves the layer with zero mean and unit variance. Until then the layer is the identity. The
/// initialisation reads values, so it happens outside the graph, before training; the graph itself is static.
/// </remarks>
public sealed class ActNormLayer : ElementwiseAffineLayer, IDataDependentInitialization
{
    /// <summary>Creates the layer at the identity.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    public ActNormLayer(string name, int dimension)
        : this(PerFeature(name + ".shift", dimension, trainable: true), PerFeature(name + ".log_scale", dimension, trainable: true))
    {
    }

    private ActNormLayer(Parameter shift, Parameter logScale)
        : base(shift, logScale)
    {
        Shift = shift;
        LogScale = logScale;
    }

    /// <summary>m [D], subtracted in the forward direction.</summary>
    public Parameter Shift { get; }

    /// <summary>λ [D]: the forward direction divides by exp(λ).</summary>
    public Parameter LogScale { get; }

    /// <summary>Whether <see cref="InitializeFrom"/> has run.</summary>
    public bool IsInitialized { get; private set; }

    /// <summary>Added to each variance before its logarithm, so a constant feature does not give -∞.</summary>
    public float VarianceFloor { get; init; } = 1e-6f;

    /// <summary>Sets m and λ so that <paramref name="data"/> [N, D] maps to zero mean and unit variance per feature.</summary>
    /// <param name="data">The batch (at least one row), in this layer's input space.</param>
    public void InitializeFrom(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rank != 2 || data.Shape[1] != Dimension || data.Shape[0] == 0)
        {
            throw new ArgumentException($"Expected a non-empty [N, {Dimension}] batch; got [{string.Join(", ", data.ShapeArray())}].", nameof(data));
        }

        int n = data.Shape[0];
        for (int j = 0; j < Dimension; j++)
        {
            double sum = 0.0;
            for (int i = 0; i < n; i++)
            {
                sum += data[i, j];
            }

            double mean = sum / n;
            double squares = 0.0;
            for (int i = 0; i < n; i++)
            {
                double e = data[i, j] - mean;
                squares += e * e;
            }

            Shift.Value.Span[j] = (float)mean;
            LogScale.Value.Span[j] = (float)(0.5 * Math.Log((squares / n) + VarianceFloor));
        }

        IsInitialized = true;
    }

    /// <inheritdoc />
    protected override Var Scale(IComputeGraph graph, Var rows) => graph.Multiply(rows, graph.Exp(graph.Negate(graph.Param(LogScale))));

    /// <inheritdoc />
    protected override Var Unscale(IComputeGraph graph, Var rows) => graph.Multiply(rows, graph.Exp(graph.Param(LogScale)));

    /// <inheritdoc />
    protected override Var SumLogScale(IComputeGraph graph) => graph.Negate(graph.Sum(graph.Param(LogScale), 0));
}
