using System.Globalization;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Reporting;

/// <summary>
/// Assembles the HTML report of a mixture-of-experts classifier: the headline metrics (on validation or test rows,
/// with the training rows' figures beside them when given), training and validation curves (loss, validation
/// accuracy and log-loss, gate temperature), expert utilisation and per-expert accuracy bars, and the confusion matrix
/// as a heat map. Used by <c>mlmix moe fit --report</c> and <c>mlmix report</c>, and reusable by any caller.
/// </summary>
public sealed class MixtureOfExpertsReport
{
    /// <summary>Creates a report for a trained model and its evaluation.</summary>
    /// <param name="model">The classifier; its <see cref="MixtureOfExpertsModel.Training"/> history gives the curves (none for a loaded model).</param>
    /// <param name="metrics">The evaluation shown (headline figures, experts, confusion matrix).</param>
    /// <param name="evaluatedOn">What <paramref name="metrics"/> were computed on, e.g. "validation set data/digits_test.csv".</param>
    public MixtureOfExpertsReport(MixtureOfExpertsModel model, MixtureOfExpertsMetrics metrics, string evaluatedOn)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentException.ThrowIfNullOrWhiteSpace(evaluatedOn);
        Model = model;
        Metrics = metrics;
        EvaluatedOn = evaluatedOn;
    }

    /// <summary>Creates a report of a model alone (no labelled rows to evaluate on): its settings and, when it was just trained, its curves.</summary>
    /// <param name="model">The classifier.</param>
    public MixtureOfExpertsReport(MixtureOfExpertsModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The classifier.</summary>
    public MixtureOfExpertsModel Model { get; }

    /// <summary>The evaluation shown first (validation or test rows), or null for a report of the model alone.</summary>
    public MixtureOfExpertsMetrics? Metrics { get; }

    /// <summary>What <see cref="Metrics"/> were computed on, or null.</summary>
    public string? EvaluatedOn { get; }

    /// <summary>
    /// The same figures on the rows the model was trained on, shown second (beside <see cref="Metrics"/>) so that the
    /// gap between them is visible; null for none.
    /// </summary>
    public MixtureOfExpertsMetrics? TrainingMetrics { get; init; }

    /// <summary>The page title. Default "Mixture-of-experts classifier".</summary>
    public string Title { get; init; } = "Mixture-of-experts classifier";

    /// <summary>Extra key/value pairs for the header (e.g. the training file), shown after the model's own.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraMetadata { get; init; } = [];

    /// <summary>Builds the report page.</summary>
    public HtmlReport Build()
    {
        var options = Model.Options;
        var report = new HtmlReport(Title)
        {
            Subtitle = $"{Model.ExpertCount} experts, {Model.ClassLabels.Count} classes, {Model.FeatureNames.Count} features"
                + (EvaluatedOn is null ? string.Empty : $"; evaluated on {EvaluatedOn}"),
        };
        report.AddMetadata("gate objective", options.Loss.Objective.ToString());
        report.AddMetadata("expert hidden layers", options.Architecture.ExpertHiddenSizes.Count == 0 ? "none (linear experts)" : string.Join(", ", options.Architecture.ExpertHiddenSizes.Select(Text)));
        if (Metrics is { } metrics)
        {
            report.AddMetadata("routing", metrics.TopK is int k ? $"top-{k}" : "soft mixture");
        }

        if (Model.Training is { } training)
        {
            report.AddMetadata("epochs run", Text(training.EpochsRun));
            report.AddMetadata("best epoch", Text(training.BestEpoch));
            report.AddMetadata("ended by", training.Cancelled ? "cancellation (Ctrl+C)" : training.StoppedEarly ? "early stopping" : "epoch limit");
        }

        foreach (var (key, value) in ExtraMetadata)
        {
            report.AddMetadata(key, value);
        }

        if (Metrics is not null)
        {
            AddSummary(report.AddSection("Summary"), Metrics);
        }

        if (Model.Training is { History.Count: > 0 } history)
        {
            AddTrainingCurves(report.AddSection("Training"), history);
        }

        if (Metrics is not { } m)
        {
            return report;
        }

        AddExperts(report.AddSection("Experts"), m);
        var confusion = new int[m.ConfusionMatrix.Labels.Count, m.ConfusionMatrix.Labels.Count];
        for (int a = 0; a < confusion.GetLength(0); a++)
        {
            for (int p = 0; p < confusion.GetLength(1); p++)
            {
                confusion[a, p] = m.ConfusionMatrix.Count(a, p);
            }
        }

        report.AddSection("Confusion matrix").AddFigure(
            new ConfusionMatrixChart(confusion, m.ConfusionMatrix.Labels) { Title = "Confusion matrix (rows: true class)" },
            $"True against predicted classes on {EvaluatedOn}.");
        return report;
    }

    /// <summary>
    /// The expert utilisation chart: the share of rows whose most probable expert is each expert, on an axis scaled
    /// to the data (shares of 8 or more experts are small; a 0-1 axis would flatten them).
    /// </summary>
    public static BarChart UtilisationChart(IReadOnlyList<double> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return new BarChart([.. Enumerable.Range(0, shares.Count).Select(e => "expert " + Text(e))], shares)
        {
            Title = "Expert utilisation",
            YLabel = "share of rows (arg-max gate)",
            ValueFormat = "0.0%",
            ColorByCategory = true,
            ReferenceValue = 1.0 / shares.Count,
            ReferenceLabel = "uniform",
        };
    }

    /// <summary>Builds the report and saves it atomically to <paramref name="path"/>.</summary>
    public void Save(string path) => Build().Save(path);

    private static void AddTrainingCurves(HtmlReportSection section, TrainingResult training)
    {
        var epochs = training.History.Select(p => (double)p.Epoch).ToArray();
        double? Stat(TrainingProgress p, string key) => p.Statistics.TryGetValue(key, out double v) ? v : null;
        var loss = new List<LineSeries> { new("training loss", training.History.Select(p => (double?)p.TrainingLoss), epochs) };
        if (training.History.Any(p => p.Statistics.ContainsKey(MixtureOfExpertsStatistics.ValidationLogLoss)))
        {
            loss.Add(new LineSeries("validation log-loss", training.History.Select(p => Stat(p, MixtureOfExpertsStatistics.ValidationLogLoss)), epochs) { Dashed = true });
        }

        section.AddFigure(
            new LineChart(loss) { Title = "Loss", XLabel = "epoch", YLabel = "nats per row" },
            $"Training loss and validation log-loss per epoch; the kept parameters are from epoch {training.BestEpoch}.");
        AddStatisticFigure(MixtureOfExpertsStatistics.ValidationAccuracy, "validation accuracy", "Validation accuracy", "accuracy", "Fraction of validation rows classified correctly after each epoch.");
        AddStatisticFigure(MixtureOfExpertsStatistics.Temperature, "temperature", "Gate temperature", "τ", "The Gumbel-softmax temperature at the end of each epoch.");

        // One line chart of a per-epoch statistic, when the run recorded it.
        void AddStatisticFigure(string statistic, string series, string title, string yLabel, string caption)
        {
            if (training.History.Any(p => p.Statistics.ContainsKey(statistic)))
            {
                section.AddFigure(
                    new LineChart([new LineSeries(series, training.History.Select(p => Stat(p, statistic)), epochs)]) { Title = title, XLabel = "epoch", YLabel = yLabel },
                    caption);
            }
        }
    }

    private void AddSummary(HtmlReportSection section, MixtureOfExpertsMetrics m)
    {
        var t = TrainingMetrics;
        IReadOnlyList<string> Row(string name, Func<MixtureOfExpertsMetrics, string> value) => t is null ? [name, value(m)] : [name, value(m), value(t)];
        section.AddTable(
            t is null ? ["metric", "value"] : ["metric", EvaluatedOn!, "training rows"],
            [
                Row("rows", x => Text(x.Rows)),
                Row("accuracy", x => Percent(x.Accuracy)),
                Row("macro-F1", x => Fixed(x.MacroF1)),
                Row("log-loss (nats)", x => Fixed(x.LogLoss)),
                Row("mean gate entropy (nats)", x => Fixed(x.MeanGateEntropy)),
                Row("unused experts", x => Text(x.UnusedExperts)),
            ],
            t is null ? $"Evaluated on {EvaluatedOn}." : $"Evaluated on {EvaluatedOn} (the headline figures), and on the rows the model was trained on.");
    }

    private void AddExperts(HtmlReportSection section, MixtureOfExpertsMetrics m)
    {
        var names = Enumerable.Range(0, m.ExpertShares.Count).Select(e => "expert " + Text(e)).ToArray();
        section.AddFigure(UtilisationChart(m.ExpertShares), $"The fraction of rows of {EvaluatedOn} whose most probable expert under the gate is each expert.");
        section.AddFigure(
            new BarChart(names, m.ExpertAccuracy)
            {
                Title = "Accuracy per expert",
                YLabel = "accuracy on the expert's rows",
                ValueFormat = "0.0%",
                YMax = 1,
                ColorByCategory = true,
                ReferenceValue = m.Accuracy,
                ReferenceLabel = "overall",
            },
            "The accuracy of the predictions on the rows routed to each expert (n/a: no rows).");
        section.AddTable(
            ["expert", "rows", "share", "mean gate probability", "accuracy"],
            Enumerable.Range(0, m.ExpertShares.Count).Select(e => (IReadOnlyList<string>)
            [
                Text(e),
                Text(m.ExpertRows[e]),
                Percent(m.ExpertShares[e]),
                Fixed(m.MeanGateProbabilities[e]),
                double.IsNaN(m.ExpertAccuracy[e]) ? "n/a" : Percent(m.ExpertAccuracy[e]),
            ]));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Fixed(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Percent(double value) => (100 * value).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
