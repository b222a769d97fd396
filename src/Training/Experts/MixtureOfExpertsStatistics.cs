using System.Globalization;
using System.Text;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// The keys of the figures a <see cref="MixtureOfExpertsObjective"/> adds to every <see cref="TrainingProgress.Statistics"/>,
/// and a one-line summary of such a report.
/// </summary>
public static class MixtureOfExpertsStatistics
{
    /// <summary>The gate temperature τ used by the last step; present for the sampling objectives only.</summary>
    public const string Temperature = "temperature";

    /// <summary>The fraction of validation rows classified correctly; present with a validation set.</summary>
    public const string ValidationAccuracy = "validation accuracy";

    /// <summary>The mean validation log-loss <c>-log p(y|x)</c> in nats; present with a validation set.</summary>
    public const string ValidationLogLoss = "validation log-loss";

    /// <summary>How many experts receive no row under arg-max routing.</summary>
    public const string UnusedExperts = "unused experts";

    /// <summary>The mean gate entropy in nats (0: every row goes to one expert; log K: uniform gates).</summary>
    public const string GateEntropy = "gate entropy";

    /// <summary>The prefix of the per-expert routing shares; see <see cref="ExpertShareKey"/>.</summary>
    public const string ExpertSharePrefix = "expert share ";

    /// <summary>
    /// The key of expert <paramref name="expert"/>'s routing share: the fraction of rows (validation rows, or a fixed
    /// sample of training rows without a validation set) whose arg-max gate is that expert.
    /// </summary>
    public static string ExpertShareKey(int expert) => ExpertSharePrefix + expert.ToString(CultureInfo.InvariantCulture);

    /// <summary>The routing shares in expert order, read back from a report's statistics; empty if there are none.</summary>
    public static IReadOnlyList<double> ExpertShares(IReadOnlyDictionary<string, double> statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var shares = new List<double>();
        while (statistics.TryGetValue(ExpertShareKey(shares.Count), out double share))
        {
            shares.Add(share);
        }

        return shares;
    }

    /// <summary>
    /// One line for a console: epoch, training loss, validation accuracy and log-loss, samples/s, temperature,
    /// used experts and the routing shares, e.g.
    /// <c>epoch 12/100  loss 0.1842  val acc 0.9652  val log-loss 0.1201  21,400 samples/s  τ 0.712  experts 8/8 [13 12 11 14 12 13 12 13]%</c>.
    /// </summary>
    public static string Describe(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var s = progress.Statistics;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"epoch {progress.Epoch}/{progress.Epochs}  loss {progress.TrainingLoss:F4}");
        if (s.TryGetValue(ValidationAccuracy, out double accuracy))
        {
            line.Append(CultureInfo.InvariantCulture, $"  val acc {accuracy:F4}");
        }

        if (s.TryGetValue(ValidationLogLoss, out double logLoss))
        {
            line.Append(CultureInfo.InvariantCulture, $"  val log-loss {logLoss:F4}");
        }

        line.Append(CultureInfo.InvariantCulture, $"  {progress.SamplesPerSecond:N0} samples/s");
        if (s.TryGetValue(Temperature, out double tau))
        {
            line.Append(CultureInfo.InvariantCulture, $"  τ {tau:F3}");
        }

        var shares = ExpertShares(s);
        if (shares.Count > 0)
        {
            int unused = s.TryGetValue(UnusedExperts, out double u) ? (int)u : shares.Count(x => x == 0);
            line.Append(CultureInfo.InvariantCulture, $"  experts {shares.Count - unused}/{shares.Count} [");
            line.AppendJoin(' ', shares.Select(x => Math.Round(100 * x).ToString(CultureInfo.InvariantCulture)));
            line.Append("]%");
        }

        if (progress.IsBest)
        {
            line.Append("  *");
        }

        return line.ToString();
    }
}
