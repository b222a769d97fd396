using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Reporting;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Trainers;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix moe fit|evaluate|predict</c>: train, evaluate and apply mixture-of-experts classifiers.</summary>
public sealed class MixtureOfExpertsCommand : ICliCommand
{
    private static readonly string[] ObjectiveNames = ["marginal", "gumbel-softmax", "straight-through"];

    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("moe", "Mixture-of-experts classifiers: fit, evaluate, predict.");
        cmd.Subcommands.Add(BuildFit(context));
        cmd.Subcommands.Add(BuildEvaluate(context));
        cmd.Subcommands.Add(BuildPredict(context));
        return cmd;
    }

    private static Command BuildFit(Func<ParseResult, CliContext> context)
    {
        var defaults = new MixtureOfExpertsModelOptions();
        var cmd = new Command("fit", "Train a mixture-of-experts classifier on a labelled CSV file and save it.");
        var train = new Option<string>("--train") { Description = "Training CSV (.csv or .csv.gz) with a header row.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation CSV for the reported metrics and the kept epoch (and early stopping with --patience); default: --validation-fraction of the training rows (stratified), none by default." };
        var features = new Option<string?>("--features") { Description = "Feature columns: names, 0-based indices or ranges (px0..px63, 0-15, f3..); default: every column except the label." };
        var label = new Option<string>("--label") { Description = "The label column (name or 0-based index).", DefaultValueFactory = _ => defaults.LabelColumn };
        var experts = new Option<int>("--experts", "-k") { Description = "Number of experts K.", DefaultValueFactory = _ => defaults.Architecture.Experts };
        var hidden = new OptionWithOldSpelling<string>(
            new Option<string>("--hidden") { Description = "Hidden layer widths of each expert, comma-separated; 'none' for linear experts.", DefaultValueFactory = _ => string.Join(',', defaults.Architecture.ExpertHiddenSizes) },
            "--expert-hidden");
        var objective = new Option<string>("--objective") { Description = "How the gate is trained: marginal (exact likelihood), gumbel-softmax or straight-through.", DefaultValueFactory = _ => "marginal" };
        objective.AcceptOnlyFromAmong(ObjectiveNames);
        var training = new TrainingOptionSet(defaults, "log-loss");
        var model = new Option<string>("--model", "-o") { Description = "Where to save the trained model (.mlmix).", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write an HTML report (curves, expert utilisation and accuracy, confusion matrix)." };
        foreach (var o in new Option[] { train, validation, features, label, experts, hidden.Current, objective }.Concat(training.Options).Concat([model, report, hidden.Old]))
        {
            cmd.Options.Add(o);
        }

        var streamed = StreamedTrainingOptions.Create(defaults.Optimization.ShuffleBufferRows);
        streamed.AddTo(cmd);

        cmd.SetAction(pr =>
        {
            var options = new MixtureOfExpertsModelOptions
            {
                Optimization = { ShuffleBufferRows = pr.GetValue(streamed.BufferRows) },
                Architecture = { Experts = pr.GetValue(experts), ExpertHiddenSizes = ParseWidths(hidden.GetValue(pr)!, "--hidden") },
                Loss = { Objective = ParseObjective(pr.GetValue(objective)!) },
                LabelColumn = pr.GetValue(label)!,
            };
            training.ApplyTo(pr, options);
            options.Optimization.ShuffleBufferRows = pr.GetValue(streamed.BufferRows);
            return pr.GetValue(streamed.Stream)
                ? StreamedFit(context(pr), options, pr.GetValue(train)!, pr.GetValue(validation), pr.GetValue(features), pr.GetValue(model)!, pr.GetValue(report))
                : Fit(context(pr), options, pr.GetValue(train)!, pr.GetValue(validation), pr.GetValue(features), pr.GetValue(model)!, pr.GetValue(report));
        });
        return cmd;
    }

    private static Command BuildEvaluate(Func<ParseResult, CliContext> context)
    {
        var cmd = new Command("evaluate", "Evaluate a saved classifier on a labelled CSV file: accuracy, macro-F1, log-loss, experts, confusion matrix.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by moe fit.", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled CSV (.csv or .csv.gz).", Required = true };
        var label = new Option<string?>("--label") { Description = "The label column; default: the one the model was trained with." };
        var features = new Option<string?>("--features") { Description = "Columns to use as the model's features, in order; default: the model's feature names." };
        var topK = new Option<int?>("--top-k") { Description = "Route each row to its k most probable experts only; default: the soft mixture." };
        foreach (var o in new Option[] { model, data, label, features, topK })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Evaluate(context(pr), pr.GetValue(model)!, pr.GetValue(data)!, pr.GetValue(label), pr.GetValue(features), pr.GetValue(topK)));
        return cmd;
    }

    private static Command BuildPredict(Func<ParseResult, CliContext> context)
    {
        var cmd = new Command("predict", "Score a CSV file with a saved classifier and write PredictedLabel, Expert, Score.* and GateProbabilities.* columns.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by moe fit.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV to score (.csv or .csv.gz); a label column, if any, is ignored.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The scores CSV to write (written to a temporary file, then renamed).", Required = true };
        var features = new Option<string?>("--features") { Description = "Columns to use as the model's features, in order; default: the model's feature names." };
        var topK = new Option<int?>("--top-k") { Description = "Route each row to its k most probable experts only; default: the soft mixture." };
        var rowsPerBatch = RowsPerBatchOption.Create();
        foreach (var o in new Option[] { model, data, output, features, topK, rowsPerBatch })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Predict(context(pr), pr.GetValue(model)!, pr.GetValue(data)!, pr.GetValue(output)!, pr.GetValue(features), pr.GetValue(topK), pr.GetValue(rowsPerBatch)));
        return cmd;
    }

    private static int Fit(CliContext ctx, MixtureOfExpertsModelOptions options, string trainPath, string? validationPath, string? features, string modelPath, string? reportPath)
    {
        BadInputGuard.Run(options.Validate);
        var file = CsvFeatureReader.Read(trainPath, features, options.LabelColumn);
        var (training, validation) = validationPath is null
            ? BadInputGuard.Run(() => MixtureOfExpertsModel.HoldOut(file, options))
            : (file, CsvFeatureReader.Read(validationPath, features, options.LabelColumn));
        string validationName = validationPath is null
            ? string.Create(CultureInfo.InvariantCulture, $"the {options.Validation.ValidationFraction:0%} of {trainPath} held out for validation")
            : $"validation file {validationPath}";
        if (options.TuningBudget is TimeSpan budget)
        {
            options = BadInputGuard.Run(() => TuningDisplay.Run(ctx, budget, "accuracy", progress => MixtureOfExpertsModel.Tune(training, options, budget, progress, ctx.Cancellation)));
        }

        ctx.WriteProgressLine(validation is null
            ? $"Training on {training.Rows:N0} rows x {training.Columns} features from {trainPath} (no validation rows)."
            : $"Training on {training.Rows:N0} rows x {training.Columns} features from {trainPath}; validating on {validation.Rows:N0} rows, {validationName}.");

        var model = Train(ctx, options, progress => MixtureOfExpertsModel.Fit(training, options, validation, progress, ctx.Cancellation));
        var result = model.Training!;
        if (!StreamedTrainingOptions.SaveTrained(ctx, result, options.Optimization.Epochs, modelPath, model.Save))
        {
            return ExitCodes.Cancelled;
        }

        // Validation rows first: they chose the kept parameters and say how the model does on rows it has not seen.
        // The training rows' figures come second, to show the gap.
        string headlineName = validation is null ? $"training file {trainPath} (no validation rows)" : validationName;
        var headline = BadInputGuard.Run(() => model.Evaluate(validation ?? training));
        var trainingMetrics = validation is null ? null : BadInputGuard.Run(() => model.Evaluate(training));
        if (reportPath is not null)
        {
            new MixtureOfExpertsReport(model, headline, headlineName)
            {
                TrainingMetrics = trainingMetrics,
                ExtraMetadata = [new("training data", trainPath), new("model file", modelPath)],
            }.Save(reportPath);
        }

        ctx.Console.MarkupLine(Markup.Escape(
            $"Saved {modelPath}: {result.EpochsRun} epochs ({TrainingSummary.Ending(result)}), best epoch {result.BestEpoch}."));
        TrainingSummary.WriteThreads(ctx, result);
        WriteMetrics(ctx, headline, headlineName, trainingMetrics);
        if (reportPath is not null)
        {
            ctx.Console.MarkupLine(Markup.Escape($"Report: {reportPath}"));
        }

        var json = new JsonObject
        {
            ["command"] = "moe fit",
            ["model"] = modelPath,
            ["report"] = reportPath,
            ["epochsRun"] = result.EpochsRun,
            ["bestEpoch"] = result.BestEpoch,
            ["stoppedEarly"] = result.StoppedEarly,
            ["cancelled"] = result.Cancelled,
            ["parallelism"] = TrainingSummary.ParallelismJson(result),
            ["trainingRows"] = training.Rows,
            ["validationRows"] = validation?.Rows,
            ["features"] = new JsonArray([.. model.FeatureNames.Select(n => (JsonNode)n)]),
            ["classes"] = new JsonArray([.. model.ClassLabels.Select(n => (JsonNode)n)]),
            ["validationData"] = validation is null ? null : validationName,
            ["validationMetrics"] = validation is null ? null : MetricsJson(headline),
            ["trainingMetrics"] = MetricsJson(trainingMetrics ?? headline),
        };
        ctx.WriteResult(json);
        return result.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    private static int Evaluate(CliContext ctx, string modelPath, string dataPath, string? label, string? features, int? topK)
    {
        var model = WithTopK(MixtureOfExpertsModel.Load(modelPath), topK);
        var table = ModelDataReader.Read(dataPath, model.FeatureNames, features, label ?? model.Options.LabelColumn);
        var metrics = BadInputGuard.Run(() => model.Evaluate(table));
        WriteMetrics(ctx, metrics, dataPath);
        ctx.Console.Write(ConfusionTable(metrics.ConfusionMatrix));

        var json = MetricsJson(metrics);
        json["command"] = "moe evaluate";
        json["model"] = modelPath;
        json["data"] = dataPath;
        ctx.WriteResult(json);
        return ExitCodes.Success;
    }

    private static int Predict(CliContext ctx, string modelPath, string dataPath, string outputPath, string? features, int? topK, int rowsPerBatch)
    {
        var model = WithTopK(MixtureOfExpertsModel.Load(modelPath), topK);
        using var batches = ModelDataBatches.Open(dataPath, model.FeatureNames, features, rowsPerBatch);
        var header = ScoreColumns(model.ClassLabels, model.ExpertCount);
        long rows = 0;
        CsvOutputFile.Write(
            outputPath,
            header,
            batches.ReadBatches()
                .Select(table => BadInputGuard.Run(() => model.Transform(table)))
                .SelectMany(scores => Enumerable.Range(0, scores.Rows).Select(r =>
                {
                    rows++;
                    return (IReadOnlyList<string>)PredictionRow(scores, r);
                })),
            ctx.Cancellation);
        ctx.WriteResultLine($"Wrote {rows:N0} predictions to {outputPath}.");
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "moe predict",
            ["model"] = modelPath,
            ["data"] = dataPath,
            ["output"] = outputPath,
            ["rows"] = rows,
            ["batches"] = batches.BatchesRead,
            ["routing"] = topK is int k ? $"top-{k}" : "soft",
            ["columns"] = new JsonArray([.. header.Select(h => (JsonNode)h)]),
        });
        return ExitCodes.Success;
    }

    /// <summary>The predictions CSV header: PredictedLabel, Expert, Score.&lt;label&gt; per class, GateProbabilities.&lt;k&gt; per expert.</summary>
    internal static IReadOnlyList<string> ScoreColumns(IReadOnlyList<string> classLabels, int experts) =>
    [
        "PredictedLabel",
        "Expert",
        .. classLabels.Select(l => "Score." + l),
        .. Enumerable.Range(0, experts).Select(e => "GateProbabilities." + e.ToString(CultureInfo.InvariantCulture)),
    ];

    private static string[] PredictionRow(MixtureOfExpertsScores scores, int row)
    {
        var score = scores.Score(row);
        var gate = scores.Gate(row);
        var fields = new string[2 + score.Length + gate.Length];
        fields[0] = scores.PredictedLabels[row];
        fields[1] = scores.Experts[row].ToString(CultureInfo.InvariantCulture);
        for (int c = 0; c < score.Length; c++)
        {
            fields[2 + c] = CsvOutputFile.Format(score[c]);
        }

        for (int e = 0; e < gate.Length; e++)
        {
            fields[2 + score.Length + e] = CsvOutputFile.Format(gate[e]);
        }

        return fields;
    }

    private static MixtureOfExpertsModel WithTopK(MixtureOfExpertsModel model, int? topK) =>
        topK is null ? model : BadInputGuard.Run(() => model.WithTopK(topK));

    private static string Summary(TrainingProgress p)
    {
        var s = p.Statistics;
        var text = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs}  loss {p.TrainingLoss:F4}");
        if (s.TryGetValue(MixtureOfExpertsStatistics.ValidationAccuracy, out double accuracy))
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  val acc {accuracy:F4}");
        }

        if (s.TryGetValue(MixtureOfExpertsStatistics.ValidationLogLoss, out double logLoss))
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  val log-loss {logLoss:F4}");
        }

        if (s.TryGetValue(MixtureOfExpertsStatistics.Temperature, out double tau))
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  τ {tau:F3}");
        }

        return text + string.Create(CultureInfo.InvariantCulture, $"  {p.SamplesPerSecond:N0} rows/s") + (p.IsBest ? " *" : string.Empty);
    }

    /// <summary><c>moe fit --stream</c>: trains from the CSV read in passes (<see cref="CsvFileRowSource"/>), then saves.</summary>
    private static int StreamedFit(CliContext ctx, MixtureOfExpertsModelOptions options, string trainPath, string? validationPath, string? features, string modelPath, string? reportPath)
    {
        BadInputGuard.Run(options.Validate);
        if (reportPath is not null)
        {
            throw new UsageException("--report evaluates the training rows, which --stream does not hold: leave out one of them.");
        }

        if (options.TuningBudget is not null)
        {
            throw new UsageException("--tune cross-validates on the training rows held in memory, which --stream does not hold: leave out one of them.");
        }

        var train = new CsvFileRowSource(trainPath, features, options.LabelColumn);
        var validation = validationPath is null ? null : new CsvFileRowSource(validationPath, features, options.LabelColumn);
        ctx.WriteProgressLine(string.Create(CultureInfo.InvariantCulture, $"Training on {trainPath}, streamed through a shuffle buffer of {options.Optimization.ShuffleBufferRows:N0} rows; ")
            + (validation is not null ? $"validating on {validationPath}."
                : options.Validation.ValidationFraction > 0 ? string.Create(CultureInfo.InvariantCulture, $"validating on about {options.Validation.ValidationFraction:0%} of its rows (a seeded hash of the row number).")
                : "no validation rows (every row is trained on)."));
        var model = Train(ctx, options, progress => MixtureOfExpertsModel.Fit(train, options, validation, progress, ctx.Cancellation));
        var result = model.Training!;
        string score = options.ValidationMetric == MixtureOfExpertsValidationMetric.Accuracy ? "validation accuracy" : "validation -log-loss";
        return StreamedTrainingOptions.SaveTrained(ctx, result, options.Optimization.Epochs, modelPath, model.Save)
            ? StreamedTrainingOptions.ReportStreamed(ctx, "moe fit", result, modelPath, score, options.Optimization.ShuffleBufferRows)
            : ExitCodes.Cancelled;
    }

    /// <summary>Runs a fit with the progress display, turning bad input into usage errors.</summary>
    private static MixtureOfExpertsModel Train(CliContext ctx, MixtureOfExpertsModelOptions options, Func<IProgress<TrainingProgress>, MixtureOfExpertsModel> fit) =>
        BadInputGuard.Run(() => TrainingProgressDisplay.Run(ctx, "moe", options.Optimization.Epochs, Summary, MixtureOfExpertsStatistics.Describe, fit));

    /// <summary>Prints the headline metrics (and, when given, the training rows' beside them), then the experts table of the headline rows.</summary>
    private static void WriteMetrics(CliContext ctx, MixtureOfExpertsMetrics m, string evaluatedOn, MixtureOfExpertsMetrics? training = null)
    {
        ctx.Console.MarkupLine(Markup.Escape(training is null ? $"Evaluated on {evaluatedOn}:" : $"Evaluated on {evaluatedOn} (first column) and on the rows trained on (second):"));
        var headline = training is null ? new Table().AddColumns("metric", "value") : new Table().AddColumns("metric", "validation", "training");
        void Row(string name, Func<MixtureOfExpertsMetrics, string> value)
        {
            if (training is null)
            {
                headline.AddRow(name, value(m));
            }
            else
            {
                headline.AddRow(name, value(m), value(training));
            }
        }

        Row("rows", x => x.Rows.ToString("N0", CultureInfo.InvariantCulture));
        Row("accuracy", x => x.Accuracy.ToString("F4", CultureInfo.InvariantCulture));
        Row("macro-F1", x => x.MacroF1.ToString("F4", CultureInfo.InvariantCulture));
        Row("log-loss", x => x.LogLoss.ToString("F4", CultureInfo.InvariantCulture));
        Row("gate entropy", x => x.MeanGateEntropy.ToString("F3", CultureInfo.InvariantCulture));
        Row("routing", x => x.TopK is int k ? $"top-{k}" : "soft");
        ctx.Console.Write(headline);
        ctx.Console.MarkupLine(Markup.Escape($"Experts on {evaluatedOn}:"));
        var experts = new Table().AddColumns("expert", "rows", "share", "mean gate", "accuracy");
        for (int e = 0; e < m.ExpertShares.Count; e++)
        {
            experts.AddRow(
                e.ToString(CultureInfo.InvariantCulture),
                m.ExpertRows[e].ToString("N0", CultureInfo.InvariantCulture),
                m.ExpertShares[e].ToString("P1", CultureInfo.InvariantCulture),
                m.MeanGateProbabilities[e].ToString("F3", CultureInfo.InvariantCulture),
                double.IsNaN(m.ExpertAccuracy[e]) ? "-" : m.ExpertAccuracy[e].ToString("F4", CultureInfo.InvariantCulture));
        }

        ctx.Console.Write(experts);
    }

    private static Table ConfusionTable(ConfusionMatrix confusion)
    {
        var table = new Table().Title("confusion matrix (rows: true, columns: predicted)");
        table.AddColumn("true \\ pred");
        foreach (var l in confusion.Labels)
        {
            table.AddColumn(new TableColumn(Markup.Escape(l)).RightAligned());
        }

        for (int a = 0; a < confusion.Labels.Count; a++)
        {
            table.AddRow([Markup.Escape(confusion.Labels[a]), .. Enumerable.Range(0, confusion.Labels.Count).Select(p => confusion.Count(a, p).ToString(CultureInfo.InvariantCulture))]);
        }

        return table;
    }

    private static JsonObject MetricsJson(MixtureOfExpertsMetrics m) => new()
    {
        ["rows"] = m.Rows,
        ["accuracy"] = JsonNumbers.Of(m.Accuracy),
        ["macroF1"] = JsonNumbers.Of(m.MacroF1),
        ["logLoss"] = JsonNumbers.Of(m.LogLoss),
        ["meanGateEntropy"] = JsonNumbers.Of(m.MeanGateEntropy),
        ["routing"] = m.TopK is int k ? $"top-{k}" : "soft",
        ["unusedExperts"] = m.UnusedExperts,
        ["experts"] = new JsonArray([.. Enumerable.Range(0, m.ExpertShares.Count).Select(e => (JsonNode)new JsonObject
        {
            ["expert"] = e,
            ["rows"] = m.ExpertRows[e],
            ["share"] = JsonNumbers.Of(m.ExpertShares[e]),
            ["meanGateProbability"] = JsonNumbers.Of(m.MeanGateProbabilities[e]),
            ["accuracy"] = JsonNumbers.Of(m.ExpertAccuracy[e]),
        })]),
        ["confusionMatrix"] = new JsonObject
        {
            ["labels"] = new JsonArray([.. m.ConfusionMatrix.Labels.Select(l => (JsonNode)l)]),
            ["counts"] = new JsonArray([.. m.ConfusionMatrix.Counts.Select(row => (JsonNode)new JsonArray([.. row.Select(n => (JsonNode)n)]))]),
        },
    };

    private static GateObjective ParseObjective(string name) => name switch
    {
        "marginal" => GateObjective.Marginal,
        "gumbel-softmax" => GateObjective.GumbelSoftmax,
        "straight-through" => GateObjective.StraightThrough,
        _ => throw new UsageException($"Unknown --objective '{name}'; use {string.Join(", ", ObjectiveNames)}."),
    };

    private static int[] ParseWidths(string text, string option)
    {
        if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase) || text.Trim().Length == 0)
        {
            return [];
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
            {
                throw new UsageException($"{option} '{text}': '{parts[i]}' is not a positive layer width; give comma-separated widths such as 64 or 128,64, or 'none'.");
            }
        }

        return widths;
    }
}
