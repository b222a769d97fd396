using System.Globalization;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Cli.Output;

/// <summary>Shows a settings search (<c>--tune</c>): one line when it starts, one per scored candidate, one for the choice.</summary>
internal static class TuningDisplay
{
    /// <summary>Runs <paramref name="tune"/>, showing each candidate it scores, and returns the settings it chose.</summary>
    /// <param name="context">The command's output context.</param>
    /// <param name="budget">The search's time budget.</param>
    /// <param name="scoreName">What the fold score is, e.g. "accuracy".</param>
    /// <param name="tune">The search, which reports each scored candidate to the progress object it is given.</param>
    public static TSettings Run<TSettings>(CliContext context, TimeSpan budget, string scoreName, Func<IProgress<TuningTrial>, TuningReport<TSettings>> tune)
        where TSettings : class
    {
        context.WriteProgressLine(string.Create(CultureInfo.InvariantCulture, $"Tuning for {budget}: k-fold cross-validation on the training rows, the defaults first, mean held-out {scoreName} per candidate."));
        var report = tune(new TrialReporter(t => context.WriteProgressLine(Describe(t, scoreName))));
        if (report.ChosenTrial < 0)
        {
            context.WriteProgressLine("Tuning ended before the defaults were scored: fitting the defaults.");
            return report.Chosen;
        }

        var chosen = report.Trials[report.ChosenTrial];
        context.WriteProgressLine(string.Create(CultureInfo.InvariantCulture, $"Tuning scored {report.Trials.Count} of {report.Candidates} candidates in {report.Elapsed.TotalSeconds:F0} s; chosen: {chosen.Settings} ({scoreName} {chosen.Score:F4}). Fitting it on every training row."));
        return report.Chosen;
    }

    private static string Describe(TuningTrial t, string scoreName) =>
        string.Create(CultureInfo.InvariantCulture, $"  tune {t.Index + 1}: {scoreName} {t.Score:F4} (sd {t.ScoreDeviation:F4}) in {t.Elapsed.TotalSeconds:F1} s  {t.Settings}");

    /// <summary>Reports on the search's own thread, so the lines come in order.</summary>
    private sealed class TrialReporter(Action<TuningTrial> report) : IProgress<TuningTrial>
    {
        public void Report(TuningTrial value) => report(value);
    }
}
