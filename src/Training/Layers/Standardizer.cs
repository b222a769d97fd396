using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Layers;

/// <summary>
/// Per-feature standardisation <c>u = (x - mean) / std</c>, learned from training data and stored with the model
/// as two non-trainable parameters, so it is part of every saved file and exported graph. For densities, the
/// change of variables adds <see cref="LogAbsDetJacobian"/> = -sum_d log std_d to log p(u) to give log p(x).
/// </summary>
public sealed class Standardizer : IModule
{
    /// <summary>The smallest standard deviation used; constant features are centred but not scaled up.</summary>
    public const float MinimumStandardDeviation = 1e-6f;

    /// <summary>Creates an identity standardiser (mean 0, std 1) for <paramref name="dimension"/> features.</summary>
    public Standardizer(string name, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Dimension = dimension;
        Mean = new Parameter(name + ".mean", dimension) { Trainable = false, ApplyWeightDecay = false };
        InverseStd = new Parameter(name + ".inv_std", dimension) { Trainable = false, ApplyWeightDecay = false };
        InverseStd.Value.Fill(1f);
        Parameters = [Mean, InverseStd];
    }

    /// <summary>The number of features.</summary>
    public int Dimension { get; }

    /// <summary>Per-feature means [D].</summary>
    public Parameter Mean { get; }

    /// <summary>Per-feature 1 / std [D].</summary>
    public Parameter InverseStd { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

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

    /// <summary>Applies the standardisation in a graph: x [N, D] → (x - mean) * inv_std.</summary>
    public Var Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Multiply(graph.Subtract(x, graph.Param(Mean)), graph.Param(InverseStd));
    }

    /// <summary>Standardises row-major data in place (native path, no graph).</summary>
    public void Apply(Span<float> data)
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
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Multiply(row, inv, row);
        }
    }

    /// <summary>Undoes the standardisation in place: x = u * std + mean (for samples).</summary>
    public void Invert(Span<float> data)
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
            TensorPrimitives.Divide(row, inv, row);
            TensorPrimitives.Add(row, mean, row);
        }
    }

    /// <summary>A copy of the current values as a tensor pair (mean, inverse std).</summary>
    public (Tensor Mean, Tensor InverseStd) Snapshot() => (Mean.Value.Clone(), InverseStd.Value.Clone());
}
