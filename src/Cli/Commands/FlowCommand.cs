using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Data;
using MLNetMixture.Transforms.Flows;
using MLNetMixture.Transforms.Reporting;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix flow fit|score|sample</c>: train mixture-density normalizing flows, score log-densities, draw samples.</summary>
public sealed class FlowCommand : ICliCommand
{
    private static readonly string[] FlowNames = ["affine", "spline", "maf"];

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
        var validation = new Option<string?>("--validation") { Description = "Validation CSV for early stopping; default: hold out 10% of the training rows." };
        var features = new Option<string?>("--features") { Description = "Columns to model: names, 0-based indices or ranges; default: every column." };
        var flow = new Option<string>("--flow") { Description = "Layer type: affine (RealNVP coupling), spline (neural spline coupling) or maf (masked autoregressive).", DefaultValueFactory = _ => "spline" };
        flow.AcceptOnlyFromAmong(FlowNames);
        var layers = new Option<int>("--layers") { Description = "Number of flow layers.", DefaultValueFactory = _ => defaults.Layers };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths of each layer's conditioner, comma-separated.", DefaultValueFactory = _ => string.Join(',', defaults.HiddenSizes) };
        var components = new Option<int>("--components", "-k") { Description = "Gaussian components of the base distribution (1 = standard normal).", DefaultValueFactory = _ => defaults.Components };
        var epochs = new Option<int>("--epochs") { Description = "Most passes over the training data (early stopping usually ends sooner).", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Rows per minibatch.", DefaultValueFactory = _ => defaults.BatchSize };
        var rate = new Option<float>("--learning-rate") { Description = "Peak Adam learning rate (cosine decay).", DefaultValueFactory = _ => defaults.LearningRate };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better validation log-likelihood; 0 never stops early.", DefaultValueFactory = _ => defaults.EarlyStoppingPatience };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "Threads (0 = training picks the faster count by measuring its first steps; scoring uses every core).", DefaultValueFactory = _ => defaults.Threads };
        var model = new Option<string>("--model", "-o") { Description = "Where to save the trained model (.mlmix).", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write an HTML report (curves; for 2-D data a density map with samples and component centres)." };
        foreach (var o in new Option[] { train, validation, features, flow, layers, hidden, components, epochs, batch, rate, patience, seed, threads, model, report })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            var options = new MixtureDensityFlowOptions
            {
                FlowType = pr.GetValue(flow) switch
                {
                    "affine" => FlowType.AffineCoupling,
                    "maf" => FlowType.MaskedAutoregressive,
                    _ => FlowType.SplineCoupling,
                },
                Layers = pr.GetValue(layers),
                HiddenSizes = ParseWidths(pr.GetValue(hidden)!),
                Components = pr.GetValue(components),
                Epochs = pr.GetValue(epochs),
                BatchSize = pr.GetValue(batch),
                LearningRate = pr.GetValue(rate),
                EarlyStoppingPatience = pr.GetValue(patience),
                Seed = pr.GetValue(seed),
                Threads = pr.GetValue(threads),
            };
            return Fit(context(pr), options, pr.GetValue(train)!, pr.GetValue(validation), pr.GetValue(features), pr.GetValue(model)!, pr.GetValue(report));
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
        foreach (var o in new Option[] { model, data, output, features })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Score(context(pr), pr.GetValue(model)!, pr.GetValue(data)!, pr.GetValue(output)!, pr.GetValue(features)));
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
        var training = CsvFeatureReader.Read(trainPath, features);
        var validation = validationPath is null ? null : CsvFeatureReader.Read(validationPath, features);
        ctx.Info($"Fitting a {options.FlowType} flow to {training.Rows:N0} rows x {training.Columns} features from {trainPath}.");
        var estimator = new MixtureDensityFlowEstimator(options);
        MixtureDensityFlowTransformer model;
        try
        {
            model = BadInputGuard.Run(() => TrainingProgressDisplay.Run(ctx, "flow", options.Epochs, Describe, Describe, progress => estimator.Fit(training, validation, progress, ctx.Cancellation)));
        }
        catch (TrainingDivergedException e)
        {
            throw new UsageException($"Training diverged: {e.Message} Try a lower --learning-rate.", e);
        }

        var result = model.Training!;
        if (result.Cancelled)
        {
            ctx.Warn($"training stopped by Ctrl+C after epoch {result.EpochsRun}; saving the best parameters (epoch {result.BestEpoch}).");
        }

        model.Save(modelPath);
        if (reportPath is not null)
        {
            new MixtureDensityFlowReport(model, training) { ExtraMetadata = [new("training data", trainPath), new("model file", modelPath)] }.Save(reportPath);
        }

        double meanTrain = model.LogDensity(training).Average(v => (double)v);
        double? meanValidation = validation is null ? null : model.LogDensity(validation).Average(v => (double)v);
        ctx.Info(string.Create(CultureInfo.InvariantCulture, $"Saved {modelPath}: {result.EpochsRun} epochs, best epoch {result.BestEpoch}; mean log-density {meanTrain:F4} nats/row on the training file")
            + (meanValidation is double v ? string.Create(CultureInfo.InvariantCulture, $", {v:F4} on the validation file.") : ".")
            + (reportPath is null ? string.Empty : $" Report: {reportPath}"));
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "flow fit",
            ["model"] = modelPath,
            ["report"] = reportPath,
            ["epochsRun"] = result.EpochsRun,
            ["bestEpoch"] = result.BestEpoch,
            ["stoppedEarly"] = result.StoppedEarly,
            ["cancelled"] = result.Cancelled,
            ["bestValidationLogLikelihood"] = result.BestValidation is double b ? JsonNumbers.Of(b) : null,
            ["trainingMeanLogDensity"] = JsonNumbers.Of(meanTrain),
            ["validationMeanLogDensity"] = meanValidation is double mv ? JsonNumbers.Of(mv) : null,
            ["features"] = new JsonArray([.. model.FeatureNames.Select(n => (JsonNode)n)]),
            ["components"] = model.Components,
        });
        return ExitCodes.Success;
    }

    private static int Score(CliContext ctx, string modelPath, string dataPath, string outputPath, string? features)
    {
        var model = MixtureDensityFlowTransformer.Load(modelPath);
        var table = ModelDataReader.Read(dataPath, model.FeatureNames, features, label: null);
        var scored = BadInputGuard.Run(() => model.Transform(table));
        int first = table.Columns; // Transform appends LogDensity and the posteriors after the input columns
        var header = scored.FeatureNames.Skip(first).ToArray();
        CsvOutputFile.Write(
            outputPath,
            header,
            Enumerable.Range(0, scored.Rows).Select(r => (IReadOnlyList<string>)[.. scored.Row(r)[first..].ToArray().Select(CsvOutputFile.Format)]),
            ctx.Cancellation);
        double mean = Enumerable.Range(0, scored.Rows).Average(r => (double)scored.Row(r)[first]);
        ctx.Info(string.Create(CultureInfo.InvariantCulture, $"Wrote {scored.Rows:N0} rows to {outputPath}; mean log-density {mean:F4} nats/row."));
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "flow score",
            ["model"] = modelPath,
            ["data"] = dataPath,
            ["output"] = outputPath,
            ["rows"] = scored.Rows,
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

        var model = MixtureDensityFlowTransformer.Load(modelPath);
        var (samples, logDensity) = model.SampleWithLogDensity(count, seed);
        string[] header = [.. model.FeatureNames, MixtureDensityFlowTransformer.LogDensityColumn];
        CsvOutputFile.Write(
            outputPath,
            header,
            Enumerable.Range(0, count).Select(r => (IReadOnlyList<string>)[.. samples.Row(r).ToArray().Select(CsvOutputFile.Format), CsvOutputFile.Format(logDensity[r])]),
            ctx.Cancellation);
        ctx.Info($"Wrote {count:N0} samples to {outputPath}.");
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
