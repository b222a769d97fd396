namespace MLNetMixture.Training.Experts;

/// <summary>Computes <see cref="MixtureOfExpertsMetrics"/> from scores and true class indices.</summary>
internal static class MixtureOfExpertsEvaluation
{
    public const double ProbabilityFloor = 1e-15;

    public static MixtureOfExpertsMetrics Compute(MixtureOfExpertsScores scores, int[] actual, int? topK)
    {
        int n = scores.Rows, c = scores.ClassLabels.Count, k = scores.ExpertCount;
        var probabilities = scores.Scores.Span;
        var gate = scores.GateProbabilities.Span;
        int correct = 0;
        double logLoss = 0, entropy = 0;
        var expertRows = new int[k];
        var expertCorrect = new int[k];
        var meanGate = new double[k];
        for (int r = 0; r < n; r++)
        {
            bool right = scores.PredictedClasses[r] == actual[r];
            correct += right ? 1 : 0;
            logLoss -= Math.Log(Math.Max(probabilities[(r * c) + actual[r]], ProbabilityFloor));
            int e = scores.Experts[r];
            expertRows[e]++;
            expertCorrect[e] += right ? 1 : 0;
            for (int j = 0; j < k; j++)
            {
                double p = gate[(r * k) + j];
                meanGate[j] += p / n;
                if (p > 0)
                {
                    entropy -= p * Math.Log(p);
                }
            }
        }

        var confusion = new ConfusionMatrix(scores.ClassLabels, actual, scores.PredictedClasses);
        var f1 = Enumerable.Range(0, c).Select(confusion.F1).Where(v => !double.IsNaN(v)).ToArray();
        return new MixtureOfExpertsMetrics(
            n,
            (double)correct / n,
            f1.Length == 0 ? double.NaN : f1.Average(),
            logLoss / n,
            confusion,
            expertRows.Select(m => (double)m / n).ToArray(),
            expertRows,
            expertRows.Select((m, e) => m == 0 ? double.NaN : (double)expertCorrect[e] / m).ToArray(),
            meanGate,
            entropy / n,
            topK);
    }
}
