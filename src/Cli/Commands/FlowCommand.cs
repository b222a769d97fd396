using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Reporting;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix flow fit|score|sample</c>: train mixture-density normalizing flows, score log-densities, draw samples.</summary>
public sealed class FlowCommand : ICliCommand
{
    /// <summary>The <c>--flow</c> names, one per <see cref="FlowType"/>.</summary>
    private static readonly Dictionary<string, FlowType> FlowNames = new(StringComparer.Ordinal)
    {
        ["affine"] = FlowType.AffineCoupling,
        ["spline"] = FlowType.SplineCoupling,
        ["maf"] = FlowType.MaskedAutoregressive,
        ["sas"] = FlowType.SinhArcsinhCoupling,
        ["sas-maf"] = FlowType.SinhArcsinhAutoregressive,
        ["auto"] = FlowType.Automatic,
    };

    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("flow", "Mixture-density normalizing flows: fit, score, sample.");
        cmd.Subcommands.Add(BuildFit(context));
        cmd.Subcommands.Add(BuildScore(context));
        cmd.Subcommands.Add(BuildSample(context));
        return cmd;
    }

    private static Command BuildFit(Func<ParseResult, CliContext> context)
    {
        var defaults = new MixtureDensityFlowOptions();
        var cmd = new Command("fit", "Fit a mixture-density flow to the rows of a CSV file by maximum likelihood and save it.");
        var train = new Option<string>("--train") { Description = "Training CSV (.csv or .csv.gz) with a header row.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation CSV for early stopping; default: hold out --validation-fraction of the training rows." };
        var features = new Option<string?>("--features") { Description = "Columns to model: names, 0-based indices or ranges; default: every column." };
        var flow = new OptionWithOldSpelling<string>(
            new Option<string>("--flow") { Description = $"Layer type: auto (spline for 2 to {MixtureDensityFlowArchitecture.SplineCouplingMaximumDimension} features, maf otherwise), affine (RealNVP coupling), spline (neural spline coupling), maf (masked autoregressive), sas (sinh-arcsinh coupling) or sas-maf (sinh-arcsinh autoregressive).", DefaultValueFactory = _ => FlowNames.First(f => f.Value == defaults.Architecture.FlowType).Key },
            "--type");
        flow.Current.AcceptOnlyFromAmong([.. FlowNames.Keys]);
        flow.Old.AcceptOnlyFromAmong([.. FlowNames.Keys]);
        var layers = new Option<int>("--layers") { Description = "Number of flow layers.", DefaultValueFactory = _ => defaults.Architecture.Layers };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths of each layer's conditioner, comma-separated.", DefaultValueFactory = _ => string.Join(',', defaults.Architecture.HiddenSizes) };
        var components = new Option<int>("--components", "-k") { Description = "Gaussian components of the base distribution (1 = standard normal).", DefaultValueFactory = _ => defaults.Architecture.Components };
        var training = new TrainingOptionSet(defaults, "log-likelihood");
        var model = new Option<string>("--model", "-o") { Description = "Where to save the trained model (.mlmix).", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write an HTML report (curves; for 2-D data a density map with samples and component centres)." };
        foreach (var o in new Option[] { train, validation, features, flow.Current, layers, hidden, components }.Concat(training.Options).Concat([model, report, flow.Old]))
        {
            cmd.Options.Add(o);
        }

        var streamed = StreamedTrainingOptions.Create(defaults.Optimization.ShuffleBufferRows);
        streamed.AddTo(cmd);

        cmd.SetAction(pr =>
        {
            var options = new MixtureDensityFlowOptions
            {
                Architecture =
                {
                    FlowType = FlowNames[flow.GetValue(pr)!],
                    Layers = pr.GetValue(layers),
                    HiddenSizes = ParseWidths(pr.GetValue(hidden)!),
                    Components = pr.GetValue(components),
                },
            };
            training.ApplyTo(pr, options);
            options.Optimization.ShuffleBufferRows = pr.GetValue(streamed.BufferRows);
            return pr.GetValue(streamed.Stream)
                ? StreamedFit(context(pr), options, pr.GetValue(train)!, pr.GetValue(validation), pr.GetValue(features), pr.GetValue(model)!, pr.GetValue(report))
                : Fit(context(pr), options, pr.GetValue(train)!, pr.GetValue(validation), pr.GetValue(features), pr.GetValue(model)!, pr.GetValue(report));
        });
        return cmd;
    }

    private static Command BuildScore(Func<ParseResult, CliContext> context)
    {
        var cmd = new Command("score", "Write each row's LogDensity (nats, data units) and ComponentPosterior.k columns.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by flow fit.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV to score (.csv or .csv.gz).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The CSV to write (written to a temporary file, then renamed).", Required = true };
        var features = new Option<string?>("--features") { Description = "Columns to use as the model's features, in order; default: the model's feature names." };
        var rowsPerBatch = RowsPerBatchOption.Create();
        foreach (var o in new Option[] { model, data, output, features, rowsPerBatch })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Score(context(pr), pr.GetValue(model)!, pr.GetValue(data)!, pr.GetValue(output)!, pr.GetValue(features), pr.GetValue(rowsPerBatch)));
        return cmd;
    }

    private static Command BuildSample(Func<ParseResult, CliContext> context)
    {
        var cmd = new Command("sample", "Draw exact samples from a flow and write them (with their LogDensity) as CSV.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by flow fit.", Required = true };
        var count = new Option<int>("--count", "-n") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed (the same seed gives the same rows).", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "The CSV to write.", Required = true };
        foreach (var o in new Option[] { model, count, seed, output })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Sample(context(pr), pr.GetValue(model)!, pr.GetValue(count), pr.GetValue(seed), pr.GetValue(output)!));
        return cmd;
    }

    private static int Fit(CliContext ctx, MixtureDensityFlowOptions options, string trainPath, string? validationPath, string? features, string modelPath, string? reportPath)
    {
        BadInputGuard.Run(options.Validate);
        var file = CsvFeatureReader.Read(trainPath, features);
        var (training, validation) = validationPath is null ? MixtureDensityFlowModel.HoldOut(file, options) : (file, CsvFeatureReader.Read(validationPath, features));
        string validationName = validationPath is null
            ? string.Create(CultureInfo.InvariantCulture, $"the {options.Validation.ValidationFraction:0%} of {trainPath} held out for validation")
            : $"validation file {validationPath}";
        if (options.TuningBudget is TimeSpan budget)
        {
            options = BadInputGuard.Run(() => TuningDisplay.Run(ctx, budget, "log-density", progress => MixtureDensityFlowModel.Tune(training, options, budget, progress, ctx.Cancellation)));
        }

        ctx.WriteProgressLine($"Fitting a {options.Architecture.FlowTypeFor(training.Columns)} flow to {training.Rows:N0} rows x {training.Columns} features from {trainPath}"
            + (validation is null ? " (no validation rows)." : $"; validating on {validation.Rows:N0} rows, {validationName}."));
        bool fitsTwice = options.Architecture.FitsBothBaseStarts(validation is not null);
        if (fitsTwice)
        {
            ctx.WriteProgressLine($"The {options.Architecture.Components}-component base is fitted twice, from k-means clusters and then from standard normals; the better on validation is kept.");
        }

        var model = Train(ctx, options, progress => MixtureDensityFlowModel.Fit(training, options, validation, progress, ctx.Cancellation));

        var result = model.Training!;
        if (!StreamedTrainingOptions.SaveTrained(ctx, result, options.Optimization.Epochs, modelPath, model.Save))
        {
            return ExitCodes.Cancelled;
        }

        if (reportPath is not null)
        {
            new MixtureDensityFlowReport(model, training)
            {
                ValidationData = validation,
                ExtraMetadata = [new("training data", trainPath), new("model file", modelPath)],
            }.Save(reportPath);
        }

        // The held-out rows chose the kept parameters and say how well the flow generalises: their figure comes first.
        double meanTrain = model.LogDensity(training).Average(v => (double)v);
        double? meanValidation = validation is null ? null : model.LogDensity(validation).Average(v => (double)v);
        ctx.WriteResultLine($"Saved {modelPath}: {result.EpochsRun} epochs ({TrainingSummary.Ending(result)}), best epoch {result.BestEpoch}"
            + (fitsTwice ? $", base started from {(model.Architecture.BaseInitialization == MixtureBaseInitialization.KMeans ? "k-means clusters" : "standard normals")}." : "."));
        TrainingSummary.WriteThreads(ctx, result);
        ctx.WriteResultLine(meanValidation is double mv
            ? string.Create(CultureInfo.InvariantCulture, $"Mean log-density: {mv:F4} nats/row on {validationName} ({validation!.Rows:N0} rows); {meanTrain:F4} on the {training.Rows:N0} rows trained on.")
            : string.Create(CultureInfo.InvariantCulture, $"Mean log-density: {meanTrain:F4} nats/row on the {training.Rows:N0} rows trained on (no validation rows)."));
        if (reportPath is not null)
        {
            ctx.WriteResultLine($"Report: {reportPath}");
        }

        ctx.WriteResult(new JsonObject
        {
            ["command"] = "flow fit",
            ["model"] = modelPath,
            ["report"] = reportPath,
            ["epochsRun"] = result.EpochsRun,
            ["bestEpoch"] = result.BestEpoch,
            ["stoppedEarly"] = result.StoppedEarly,
            ["cancelled"] = result.Cancelled,
            ["parallelism"] = TrainingSummary.ParallelismJson(result),
            ["trainingRows"] = training.Rows,
            ["validationRows"] = validation?.Rows,
            ["validationData"] = validation is null ? null : validationName,
            ["validationMeanLogDensity"] = meanValidation is double v ? JsonNumbers.Of(v) : null,
            ["bestValidationLogLikelihood"] = result.BestValidation is double b ? JsonNumbers.Of(b) : null,
            ["trainingMeanLogDensity"] = JsonNumbers.Of(meanTrain),
            ["features"] = new JsonArray([.. model.FeatureNames.Select(n => (JsonNode)n)]),
            ["components"] = model.Components,
        });
        return result.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    /// <summary><c>flow fit --stream</c>: trains from the CSV read in passes (<see cref="CsvFileRowSource"/>), then saves.</summary>
    private static int StreamedFit(CliContext ctx, MixtureDensityFlowOptions options, string trainPath, string? validationPath, string? features, string modelPath, string? reportPath)
    {
        BadInputGuard.Run(options.Validate);
        if (reportPath is not null)
        {
            throw new UsageException("--report draws the training rows, which --stream does not hold: leave out one of them.");
        }

        if (options.TuningBudget is not null)
        {
            throw new UsageException("--tune cross-validates on the training rows held in memory, which --stream does not hold: leave out one of them.");
        }

        var train = new CsvFileRowSource(trainPath, features);
        var validation = validationPath is null ? null : new CsvFileRowSource(validationPath, features);
        ctx.WriteProgressLine(string.Create(CultureInfo.InvariantCulture, $"Fitting a {options.Architecture.FlowTypeFor(train.FeatureNames.Count)} flow to {trainPath}, streamed through a shuffle buffer of {options.Optimization.ShuffleBufferRows:N0} rows; ")
            + (validation is not null ? $"validating on {validationPath}."
                : options.Validation.ValidationFraction > 0 ? string.Create(CultureInfo.InvariantCulture, $"validating on about {options.Validation.ValidationFraction:0%} of its rows (a seeded hash of the row number).")
                : "no validation rows (every row is trained on)."));
        var model = Train(ctx, options, progress => MixtureDensityFlowModel.Fit(train, options, validation, progress, ctx.Cancellation));
        var result = model.Training!;
        return StreamedTrainingOptions.SaveTrained(ctx, result, options.Optimization.Epochs, modelPath, model.Save)
            ? StreamedTrainingOptions.ReportStreamed(ctx, "flow fit", result, modelPath, "validation log-likelihood (nats/row)", options.Optimization.ShuffleBufferRows)
            : ExitCodes.Cancelled;
    }

    /// <summary>Runs a fit with the progress display, turning bad input and divergence into usage errors.</summary>
    private static MixtureDensityFlowModel Train(CliContext ctx, MixtureDensityFlowOptions options, Func<IProgress<TrainingProgress>, MixtureDensityFlowModel> fit)
    {
        try
        {
            return BadInputGuard.Run(() => TrainingProgressDisplay.Run(ctx, "flow", options.Optimization.Epochs, Describe, Describe, fit));
        }
        catch (TrainingDivergedException e)
        {
            throw new UsageException($"Training diverged: {e.Message} Try a lower --learning-rate.", e);
        }
    }

    /// <summary>Scores <paramref name="dataPath"/> batch by batch (<paramref name="rowsPerBatch"/> rows at a time), writing rows as they are scored.</summary>
    internal static int Score(CliContext ctx, string modelPath, string dataPath, string outputPath, string? features, int rowsPerBatch)
    {
        var model = MixtureDensityFlowModel.Load(modelPath);
        using var batches = ModelDataBatches.Open(dataPath, model.FeatureNames, features, rowsPerBatch);
        int first = batches.FeatureNames.Count; // Transform appends LogDensity and the posteriors after the input columns
        var (firstScored, scoredBatches) = ScoredBatches.Start(batches.ReadBatches(), table => BadInputGuard.Run(() => model.Transform(table)));
        var header = firstScored.FeatureNames.Skip(first).ToArray();
        double sum = 0;
        long rows = 0;
        CsvOutputFile.Write(
            outputPath,
            header,
            scoredBatches.SelectMany(scored => Enumerable.Range(0, scored.Rows).Select(r =>
            {
                var row = scored.Row(r)[first..];
                sum += row[0];
                rows++;
                return (IReadOnlyList<string>)[.. row.ToArray().Select(CsvOutputFile.Format)];
            })),
            ctx.Cancellation);
        double mean = sum / rows;
        ctx.WriteResultLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {rows:N0} rows to {outputPath}; mean log-density {mean:F4} nats/row."));
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "flow score",
            ["model"] = modelPath,
            ["data"] = dataPath,
            ["output"] = outputPath,
            ["rows"] = rows,
            ["batches"] = batches.BatchesRead,
            ["meanLogDensity"] = JsonNumbers.Of(mean),
            ["columns"] = new JsonArray([.. header.Select(h => (JsonNode)h)]),
        });
        return ExitCodes.Success;
    }

    private static int Sample(CliContext ctx, string modelPath, int count, ulong seed, string outputPath)
    {
        if (count < 1)
        {
            throw new UsageException($"--count must be at least 1; got {count}.");
        }

        var model = MixtureDensityFlowModel.Load(modelPath);
        var (samples, logDensity) = model.SampleWithLogDensity(count, seed);
        string[] header = [.. model.FeatureNames, MixtureDensityFlowModel.LogDensityColumn];
        CsvOutputFile.Write(
            outputPath,
            header,
            Enumerable.Range(0, count).Select(r => (IReadOnlyList<string>)[.. samples.Row(r).ToArray().Select(CsvOutputFile.Format), CsvOutputFile.Format(logDensity[r])]),
            ctx.Cancellation);
        ctx.WriteResultLine($"Wrote {count:N0} samples to {outputPath}.");
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "flow sample",
            ["model"] = modelPath,
            ["output"] = outputPath,
            ["rows"] = count,
            ["seed"] = seed,
            ["columns"] = new JsonArray([.. header.Select(h => (JsonNode)h)]),
        });
        return ExitCodes.Success;
    }

    private static string Describe(TrainingProgress p) =>
        string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs}  train LL {-p.TrainingLoss:F4}")
        + (p.Validation is double v ? string.Create(CultureInfo.InvariantCulture, $"  val LL {v:F4}") : string.Empty)
        + string.Create(CultureInfo.InvariantCulture, $"  {p.SamplesPerSecond:N0} rows/s")
        + (p.IsBest ? "  *" : string.Empty);

    private static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
            {
                throw new UsageException($"--hidden '{text}': '{parts[i]}' is not a positive layer width; give comma-separated widths such as 64,64.");
            }
        }

        return widths;
    }
}
