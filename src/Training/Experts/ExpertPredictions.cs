using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <summary>Per-row predictions of a <see cref="MixtureOfExperts"/>.</summary>
public sealed class ExpertPredictions
{
    private readonly int[] _predictedClasses;
    private readonly int[] _experts;

    internal ExpertPredictions(Tensor probabilities, Tensor gateProbabilities)
    {
        Probabilities = probabilities;
        GateProbabilities = gateProbabilities;
        _predictedClasses = ArgMaxRows(probabilities);
        _experts = ArgMaxRows(gateProbabilities);
    }

    /// <summary>The number of rows N.</summary>
    public int Count => Probabilities.Rows;

    /// <summary>Class probabilities p(y|x) [N, C]; each row sums to 1.</summary>
    public Tensor Probabilities { get; }

    /// <summary>The most probable class of each row (the first on ties).</summary>
    public IReadOnlyList<int> PredictedClasses => _predictedClasses;

    /// <summary>The full gate probabilities p(z=k|x) [N, K] (before any top-k renormalisation).</summary>
    public Tensor GateProbabilities { get; }

    /// <summary>The expert with the largest gate probability for each row (the first on ties).</summary>
    public IReadOnlyList<int> Experts => _experts;

    /// <summary>How the gate spreads these rows over the experts.</summary>
    public ExpertUtilization Utilization() => ExpertUtilization.FromGateProbabilities(GateProbabilities);

    private static int[] ArgMaxRows(Tensor values)
    {
        int n = values.Rows, width = values.RowLength;
        var result = new int[n];
        for (int r = 0; r < n; r++)
        {
            result[r] = TensorPrimitives.IndexOfMax(values.Span.Slice(r * width, width));
        }

        return result;
    }
}
