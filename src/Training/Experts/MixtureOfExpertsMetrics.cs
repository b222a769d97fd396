using System.Globalization;
using System.Text;

namespace MLNetMixture.Training.Experts;

/// <summary>How well a <see cref="MixtureOfExpertsModel"/> classifies labelled rows, and how its gate routes them.</summary>
public sealed class MixtureOfExpertsMetrics
{
    internal MixtureOfExpertsMetrics(
        int rows,
        double accuracy,
        double macroF1,
        double logLoss,
        ConfusionMatrix confusionMatrix,
        IReadOnlyList<double> expertShares,
        IReadOnlyList<int> expertRows,
        IReadOnlyList<double> expertAccuracy,
        IReadOnlyList<double> meanGateProbabilities,
        double meanGateEntropy,
        int? topK)
    {
        Rows = rows;
        Accuracy = accuracy;
        MacroF1 = macroF1;
        LogLoss = logLoss;
        ConfusionMatrix = confusionMatrix;
        ExpertShares = expertShares;
        ExpertRows = expertRows;
        ExpertAccuracy = expertAccuracy;
        MeanGateProbabilities = meanGateProbabilities;
        MeanGateEntropy = meanGateEntropy;
        TopK = topK;
    }

    /// <summary>The number of rows evaluated.</summary>
    public int Rows { get; }

    /// <summary>The fraction of rows whose most probable class is the true one.</summary>
    public double Accuracy { get; }

    /// <summary>The unweighted mean of the per-class F1 scores over the classes that occur in the labels or the predictions.</summary>
    public double MacroF1 { get; }

    /// <summary>The mean of <c>-log p(true class | x)</c> in nats, with probabilities floored at 1e-15.</summary>
    public double LogLoss { get; }

    /// <summary>True versus predicted classes, with the class labels.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>Expert utilisation: for each expert, the fraction of rows whose arg-max gate is that expert.</summary>
    public IReadOnlyList<double> ExpertShares { get; }

    /// <summary>For each expert, how many rows its arg-max gate receives.</summary>
    public IReadOnlyList<int> ExpertRows { get; }

    /// <summary>The number of experts that receive no row.</summary>
    public int UnusedExperts => ExpertRows.Count(n => n == 0);

    /// <summary>
    /// For each expert, the accuracy of the (mixture's) predictions on the rows whose arg-max gate is that expert;
    /// NaN for an expert with no rows. Under top-1 routing this is the expert's own accuracy on its rows.
    /// </summary>
    public IReadOnlyList<double> ExpertAccuracy { get; }

    /// <summary>For each expert, the mean gate probability over the rows.</summary>
    public IReadOnlyList<double> MeanGateProbabilities { get; }

    /// <summary>The mean gate entropy in nats: 0 when every row goes to one expert, log K for uniform gates.</summary>
    public double MeanGateEntropy { get; }

    /// <summary>The top-k routing the predictions used, or null for the soft mixture.</summary>
    public int? TopK { get; }

    /// <summary>A short report: the headline figures, the experts and the confusion matrix.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"rows {Rows}  accuracy {Accuracy:F4}  macro-F1 {MacroF1:F4}  log-loss {LogLoss:F4}  gate entropy {MeanGateEntropy:F3} nats  routing {(TopK is int k ? $"top-{k}" : "soft")}");
        text.AppendLine();
        for (int e = 0; e < ExpertShares.Count; e++)
        {
            text.Append(CultureInfo.InvariantCulture, $"expert {e}: {ExpertRows[e]} rows ({100 * ExpertShares[e]:F1}%), accuracy {(double.IsNaN(ExpertAccuracy[e]) ? "-" : ExpertAccuracy[e].ToString("F4", CultureInfo.InvariantCulture))}");
            text.AppendLine();
        }

        text.Append(ConfusionMatrix);
        return text.ToString();
    }
}
