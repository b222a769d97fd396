using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <summary>How a gate spreads a set of rows over its experts: routing fractions, mean gate probabilities and gate entropy.</summary>
public sealed class ExpertUtilization
{
    private readonly double[] _routingFractions;
    private readonly double[] _meanGateProbabilities;

    private ExpertUtilization(double[] routingFractions, double[] meanGateProbabilities, double meanGateEntropy)
    {
        _routingFractions = routingFractions;
        _meanGateProbabilities = meanGateProbabilities;
        MeanGateEntropy = meanGateEntropy;
    }

    /// <summary>For each expert, the fraction of rows whose arg-max gate is that expert (first on ties); sums to 1.</summary>
    public IReadOnlyList<double> RoutingFractions => _routingFractions;

    /// <summary>For each expert, the mean over rows of its gate probability; sums to 1.</summary>
    public IReadOnlyList<double> MeanGateProbabilities => _meanGateProbabilities;

    /// <summary>The mean over rows of the gate entropy <c>-sum_k p_k log p_k</c> in nats: 0 for one-hot gates, log K for uniform ones.</summary>
    public double MeanGateEntropy { get; }

    /// <summary>The number of experts that receive no row under arg-max routing.</summary>
    public int UnusedExperts => _routingFractions.Count(f => f == 0);

    /// <summary>Computes the statistics of gate probabilities [N, K] (rows on the simplex).</summary>
    public static ExpertUtilization FromGateProbabilities(Tensor gateProbabilities)
    {
        ArgumentNullException.ThrowIfNull(gateProbabilities);
        if (gateProbabilities.Rank != 2 || gateProbabilities.Shape[0] == 0 || gateProbabilities.Shape[1] == 0)
        {
            throw new ArgumentException($"Expected non-empty gate probabilities [N, K]; got [{string.Join(", ", gateProbabilities.ShapeArray())}].", nameof(gateProbabilities));
        }

        int n = gateProbabilities.Shape[0], k = gateProbabilities.Shape[1];
        var fractions = new double[k];
        var means = new double[k];
        double entropy = 0;
        for (int r = 0; r < n; r++)
        {
            var row = gateProbabilities.Span.Slice(r * k, k);
            fractions[TensorPrimitives.IndexOfMax(row)] += 1;
            for (int j = 0; j < k; j++)
            {
                double p = row[j];
                means[j] += p;
                if (p > 0)
                {
                    entropy -= p * Math.Log(p);
                }
            }
        }

        for (int j = 0; j < k; j++)
        {
            fractions[j] /= n;
            means[j] /= n;
        }

        return new ExpertUtilization(fractions, means, entropy / n);
    }
}
