using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Layers;

/// <summary>
/// Per-feature standardisation <c>u = (x - mean) / std</c>, learned from training data and stored with the model
/// as two non-trainable parameters, so it is part of every saved file and exported graph: the
/// <see cref="ElementwiseAffineLayer"/> with s = 1 / std. As a flow layer (the first of a
/// <see cref="MixtureDensityFlow"/>) its log-determinant <see cref="LogAbsDetJacobian"/> = -Σ_d log std_d turns
/// log p(u) into log p(x); the mixture of experts uses its <see cref="ElementwiseAffineLayer.Map"/> and
/// <see cref="Apply"/> alone.
/// </summary>
public sealed class Standardizer : ElementwiseAffineLayer
{
    /// <summary>The smallest standard deviation used; constant features are centred but not scaled up.</summary>
    public const float MinimumStandardDeviation = 1e-6f;

    /// <summary>Creates an identity standardiser (mean 0, std 1) for <paramref name="dimension"/> features.</summary>
    public Standardizer(string name, int dimension)
        : this(PerFeature(name + ".mean", dimension, trainable: false), PerFeature(name + ".inv_std", dimension, trainable: false))
    {
    }

    private Standardizer(Parameter mean, Parameter inverseStd)
        : base(mean, inverseStd)
    {
        Mean = mean;
        InverseStd = inverseStd;
        InverseStd.Value.Fill(1f);
    }

    /// <summary>Per-feature means [D].</summary>
    public Parameter Mean { get; }

    /// <summary>Per-feature 1 / std [D].</summary>
    public Parameter InverseStd { get; }

    /// <summary>log |det du/dx| = sum_d log(1 / std_d): add it to a log-density in u to get the log-density in x.</summary>
    public double LogAbsDetJacobian
    {
        get
        {
            double s = 0;
            foreach (float v in InverseStd.Value.Span)
            {
                s += Math.Log(v);
            }

            return s;
        }
    }

    /// <summary>Learns mean and population standard deviation (float64 accumulation) from row-major data [rows, D].</summary>
    public void Fit(ReadOnlySpan<float> data, int rows)
    {
        if (rows <= 0 || data.Length != rows * Dimension)
        {
            throw new ArgumentException($"Expected {rows} x {Dimension} values, found {data.Length}.", nameof(data));
        }

        var mean = new double[Dimension];
        var sq = new double[Dimension];
        for (int r = 0; r < rows; r++)
        {
            var row = data.Slice(r * Dimension, Dimension);
            for (int d = 0; d < Dimension; d++)
            {
                mean[d] += row[d];
            }
        }

        for (int d = 0; d < Dimension; d++)
        {
            mean[d] /= rows;
        }

        for (int r = 0; r < rows; r++)
        {
            var row = data.Slice(r * Dimension, Dimension);
            for (int d = 0; d < Dimension; d++)
            {
                double c = row[d] - mean[d];
                sq[d] += c * c;
            }
        }

        for (int d = 0; d < Dimension; d++)
        {
            sq[d] = Math.Sqrt(sq[d] / rows);
        }

        SetMoments(mean, sq);
    }

    /// <summary>Sets the means and (population) standard deviations learned elsewhere, e.g. in a streamed pass.</summary>
    /// <param name="mean">Per-feature means [D].</param>
    /// <param name="standardDeviation">Per-feature standard deviations [D]; those below <see cref="MinimumStandardDeviation"/> are raised to it.</param>
    public void SetMoments(ReadOnlySpan<double> mean, ReadOnlySpan<double> standardDeviation)
    {
        if (mean.Length != Dimension || standardDeviation.Length != Dimension)
        {
            throw new ArgumentException($"Expected {Dimension} means and deviations, found {mean.Length} and {standardDeviation.Length}.", nameof(mean));
        }

        for (int d = 0; d < Dimension; d++)
        {
            Mean.Value.Span[d] = (float)mean[d];
            InverseStd.Value.Span[d] = (float)(1.0 / Math.Max(standardDeviation[d], MinimumStandardDeviation));
        }
    }

    /// <summary>Standardises row-major data in place (native path, no graph).</summary>
    public void Apply(Span<float> data) => EachRow(data, invert: false);

    /// <summary>Undoes the standardisation in place: x = u * std + mean (for samples).</summary>
    public void Invert(Span<float> data) => EachRow(data, invert: true);

    /// <summary>A copy of the current values as a tensor pair (mean, inverse std).</summary>
    public (Tensor Mean, Tensor InverseStd) Snapshot() => (Mean.Value.Clone(), InverseStd.Value.Clone());

    /// <inheritdoc />
    protected override Var Scale(IComputeGraph graph, Var rows) => graph.Multiply(rows, graph.Param(InverseStd));

    /// <inheritdoc />
    protected override Var Unscale(IComputeGraph graph, Var rows) => graph.Divide(rows, graph.Param(InverseStd));

    /// <inheritdoc />
    protected override Var SumLogScale(IComputeGraph graph) => graph.Sum(graph.Log(graph.Param(InverseStd)), 0);

    private void EachRow(Span<float> data, bool invert)
    {
        if (data.Length % Dimension != 0)
        {
            throw new ArgumentException($"Data length {data.Length} is not a multiple of the dimension {Dimension}.", nameof(data));
        }

        var mean = Mean.Value.Span;
        var inv = InverseStd.Value.Span;
        for (int r = 0; r < data.Length; r += Dimension)
        {
            var row = data.Slice(r, Dimension);
            if (invert)
            {
                TensorPrimitives.Divide(row, inv, row);
                TensorPrimitives.Add(row, mean, row);
            }
            else
            {
                TensorPrimitives.Subtract(row, mean, row);
                TensorPrimitives.Multiply(row, inv, row);
            }
        }
    }
}
