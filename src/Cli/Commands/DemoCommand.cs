using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Reporting;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Scoring;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix demo</c>: the main job on data shipped in the repository, no arguments needed. Trains a
/// mixture-of-experts classifier on digits and mixture-density flows on a 2D toy and on MINIBOONE-small, exports
/// each to ONNX, scores it with ONNX Runtime, checks parity with our own scoring, prints a summary table and
/// writes an HTML report.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("demo", "Train, export, score with ONNX Runtime and compare, on the shipped data; writes an HTML report.");
        var output = new Option<string>("--output-dir") { Description = "Folder for models, ONNX files and the report.", DefaultValueFactory = _ => "mlmix-demo" };
        var data = new Option<string?>("--data-dir") { Description = "Folder holding the shipped datasets (default: data/ of the repository, found from the current folder upwards)." };
        var quick = new Option<bool>("--quick") { Description = "Fewer epochs and rows (a smoke run for tests)." };
        var threads = new Option<int>("--threads") { Description = "Threads (0 = training picks the faster count by measuring its first steps; scoring uses every core).", DefaultValueFactory = _ => 0 };
        cmd.Options.Add(output);
        cmd.Options.Add(data);
        cmd.Options.Add(quick);
        cmd.Options.Add(threads);
        cmd.SetAction(pr => Run(context(pr), pr.GetValue(output)!, pr.GetValue(data), pr.GetValue(quick), pr.GetValue(threads)));
        return cmd;
    }

    /// <summary>Finds the repository's data folder from <paramref name="start"/> upwards.</summary>
    public static string FindDataDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data");
            if (File.Exists(Path.Combine(candidate, "digits_train.csv")))
            {
                return candidate;
            }
        }

        throw new UsageException($"Cannot find the shipped data (data/digits_train.csv) in {start} or any folder above it; run from the repository or pass --data-dir.");
    }

    private static int Run(CliContext ctx, string outputDir, string? dataDir, bool quick, int threads)
    {
        var total = Stopwatch.StartNew();
        string data = dataDir ?? FindDataDirectory(Directory.GetCurrentDirectory());
        Directory.CreateDirectory(outputDir);
        ctx.Console.MarkupLine("[bold]MLNetMixture demo[/]");
        ctx.Console.MarkupLine($"[grey]SIMD: Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}; {Environment.ProcessorCount} cores; data from {Markup.Escape(data)}; outputs in {Markup.Escape(outputDir)}[/]");

        var rows = new List<SummaryRow>();
        var report = new HtmlReport("MLNetMixture demo") { Subtitle = "Mixture-of-experts on digits; mixture-density flows on 8 Gaussians and MINIBOONE-small; ONNX Runtime parity." };
        report.AddMetadata("machine", $"{Environment.ProcessorCount} cores, {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "SSE")}");
        report.AddMetadata("date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        var json = new JsonObject { ["command"] = "demo", ["outputDir"] = outputDir };
        var summary = report.AddSection("Summary"); // filled at the end, shown first

        RunExperts(ctx, data, outputDir, quick, threads, rows, report, json);
        ctx.Cancellation.ThrowIfCancellationRequested();
        RunFlow2D(ctx, outputDir, quick, threads, rows, report, json);
        ctx.Cancellation.ThrowIfCancellationRequested();
        RunMiniboone(ctx, data, outputDir, quick, threads, rows, report, json);
        ctx.Cancellation.ThrowIfCancellationRequested();

        string[] columns = ["model", "metric", "value (native)", "value (ORT)", "max |diff|", "scoring ms (native)", "scoring ms (ORT)"];
        const string Legend = "native = our C# scoring; ORT = the exported ONNX graph run by ONNX Runtime (CPU) on the same rows; "
            + "max |diff| = the largest difference between their per-row outputs (class probabilities or log-densities); "
            + "scoring ms = time to score those rows. LL = mean log-likelihood per row in nats.";
        var summaryTable = new Table().AddColumns(columns);
        var jsonRows = new JsonArray();
        foreach (var r in rows)
        {
            summaryTable.AddRow(Markup.Escape(r.Model), Markup.Escape(r.Metric), r.Show(r.Native), r.Show(r.Onnx), Scientific(r.MaxDiff), Ms(r.NativeSeconds), Ms(r.OnnxSeconds));
            jsonRows.Add(new JsonObject
            {
                ["model"] = r.Model,
                ["metric"] = r.Metric,
                ["native"] = JsonNumbers.Of(r.Native),
                ["onnxRuntime"] = JsonNumbers.Of(r.Onnx),
                ["maxAbsDiff"] = JsonNumbers.Of(r.MaxDiff),
                ["nativeMilliseconds"] = JsonNumbers.Of(Math.Round(r.NativeSeconds * 1000, 3)),
                ["onnxRuntimeMilliseconds"] = JsonNumbers.Of(Math.Round(r.OnnxSeconds * 1000, 3)),
            });
        }

        summary.AddTable(
            columns,
            rows.Select(r => (IReadOnlyList<string>)[r.Model, r.Metric, r.Show(r.Native), r.Show(r.Onnx), Scientific(r.MaxDiff), Ms(r.NativeSeconds), Ms(r.OnnxSeconds)]),
            Legend + " MoE on the 360 digits test rows, 8 Gaussians on 2,000 fresh samples, MINIBOONE on its 329 validation rows.");
        string reportPath = Path.Combine(outputDir, "report.html");
        report.Save(reportPath);

        ctx.Console.MarkupLine("\n[bold]Summary[/]");
        ctx.Console.Write(summaryTable);
        ctx.Console.MarkupLine(Markup.Escape(Legend));
        ctx.Console.MarkupLine($"Report: [link]{Markup.Escape(Path.GetFullPath(reportPath))}[/]  (total {total.Elapsed.TotalSeconds:F0} s)");
        json["summary"] = jsonRows;
        json["report"] = reportPath;
        json["seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        ctx.WriteResult(json);
        return ExitCodes.Success;
    }

    private static void RunExperts(CliContext ctx, string data, string outputDir, bool quick, int threads, List<SummaryRow> rows, HtmlReport report, JsonObject json)
    {
        ctx.Console.MarkupLine("\n[bold]1. Mixture-of-experts classifier on digits[/] (8 experts, MLP experts, marginal objective)");
        var train = CsvFeatureReader.Read(Path.Combine(data, "digits_train.csv"), label: "label");
        var test = CsvFeatureReader.Read(Path.Combine(data, "digits_test.csv"), label: "label");
        if (quick)
        {
            train = train.Slice(0, 400);
        }

        var sw = Stopwatch.StartNew();
        var model = MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Architecture = { Experts = 8, ExpertHiddenSizes = [64] }, Optimization = { Epochs = quick ? 5 : 60 }, Threads = threads, Seed = 1 },
            progress: EpochPrinter(ctx, "moe"), cancellationToken: ctx.Cancellation);
        double fitSeconds = sw.Elapsed.TotalSeconds;
        var metrics = model.Evaluate(test);
        model.Save(Path.Combine(outputDir, "moe-digits.mlmix"));

        string onnxPath = Path.Combine(outputDir, "moe-digits.onnx");
        new MixtureOfExpertsOnnxExporter().WriteFile(model.Standardizer, model.Model, model.ClassLabels, model.FeatureNames, onnxPath);
        sw.Restart();
        var native = model.Transform(test);
        double nativeSeconds = sw.Elapsed.TotalSeconds;
        using var scorer = OnnxScorer.Load(onnxPath);
        sw.Restart();
        var ort = scorer.Score(test.Features, test.Rows);
        double ortSeconds = sw.Elapsed.TotalSeconds;

        var nativeProbs = native.Scores.Span;
        var ortProbs = ort[MixtureOfExpertsOnnxExporter.ScoreOutput].Floats!;
        double maxDiff = MaxAbsDiff(nativeProbs, ortProbs);
        var ortLabels = ort[MixtureOfExpertsOnnxExporter.PredictedLabelOutput].Int64s!;
        int agree = 0, correctOrt = 0;
        for (int i = 0; i < test.Rows; i++)
        {
            if (ortLabels[i] == native.PredictedClasses[i])
            {
                agree++;
            }

            if (model.ClassLabels[(int)ortLabels[i]] == test.Labels![i])
            {
                correctOrt++;
            }
        }

        double ortAccuracy = (double)correctOrt / test.Rows;
        ctx.Console.MarkupLine($"   trained in {fitSeconds:F1} s ({model.Training?.EpochsRun} epochs); test accuracy {metrics.Accuracy:P2}, macro-F1 {metrics.MacroF1:F3}; ONNX Runtime agrees on {agree}/{test.Rows} labels, max |score diff| {maxDiff:E1}");
        rows.Add(new SummaryRow("MoE digits", "accuracy (test)", metrics.Accuracy, ortAccuracy, maxDiff, nativeSeconds, ortSeconds, "P2"));
        report.Include(new MixtureOfExpertsReport(model, metrics, "digits_test.csv (360 rows)").Build(), "Digits: ");
        json["moe"] = new JsonObject { ["testAccuracy"] = metrics.Accuracy, ["macroF1"] = metrics.MacroF1, ["onnxLabelAgreement"] = (double)agree / test.Rows, ["maxScoreDiff"] = maxDiff, ["fitSeconds"] = fitSeconds };
    }

    private static void RunFlow2D(CliContext ctx, string outputDir, bool quick, int threads, List<SummaryRow> rows, HtmlReport report, JsonObject json)
    {
        ctx.Console.MarkupLine("\n[bold]2. Mixture-density flow on 8 Gaussians[/] (spline coupling, mixture base K = 8)");
        int n = quick ? 1000 : 4000;
        var train = new FeatureTable(ToyDensities2D.Sample(ToyDensity2D.EightGaussians, n, seed: 1), n, ["x", "y"], source: "8gaussians (train)");
        var test = new FeatureTable(ToyDensities2D.Sample(ToyDensity2D.EightGaussians, 2000, seed: 2), 2000, ["x", "y"], source: "8gaussians (test)");
        var sw = Stopwatch.StartNew();
        var model = MixtureDensityFlowModel.Fit(train, new MixtureDensityFlowOptions
        {
            Architecture = { FlowType = FlowType.SplineCoupling, Layers = 4, HiddenSizes = [32, 32], Components = 8 },
            Optimization = { Epochs = quick ? 3 : 60, BatchSize = 256, LearningRate = 3e-3f },
            Threads = threads,
            Seed = 1,
        }, progress: EpochPrinter(ctx, "flow"), cancellationToken: ctx.Cancellation);
        double fitSeconds = sw.Elapsed.TotalSeconds;
        model.Save(Path.Combine(outputDir, "flow-8gaussians.mlmix"));
        var (nativeLl, ortLl, maxDiff, nativeSeconds, ortSeconds) = DensityParity(model, test, Path.Combine(outputDir, "flow-8gaussians.onnx"));
        double kl = 0;
        for (int i = 0; i < test.Rows; i++)
        {
            kl += ToyDensities2D.TrueLogDensity(ToyDensity2D.EightGaussians, test.Features[2 * i], test.Features[(2 * i) + 1]) - nativeLl[i];
        }

        kl /= test.Rows;
        ctx.Console.MarkupLine($"   trained in {fitSeconds:F1} s; test log-likelihood {nativeLl.Average():F3} nats, KL(true || model) ≈ {kl:F3} nats; ONNX Runtime max |log-density diff| {maxDiff:E1}");
        rows.Add(new SummaryRow("flow 8gauss", "LL (test)", nativeLl.Average(), ortLl.Average(), maxDiff, nativeSeconds, ortSeconds, "F3"));
        var section = new MixtureDensityFlowReport(model, test) { Title = "8 Gaussians" }.Build();
        report.Include(section, "8 Gaussians: ");
        json["flow2d"] = new JsonObject { ["testLogLikelihood"] = nativeLl.Average(), ["klTrueModel"] = kl, ["maxLogDensityDiff"] = maxDiff, ["fitSeconds"] = fitSeconds };
    }

    private static void RunMiniboone(CliContext ctx, string data, string outputDir, bool quick, int threads, List<SummaryRow> rows, HtmlReport report, JsonObject json)
    {
        ctx.Console.MarkupLine("\n[bold]3. Mixture-density flow on MINIBOONE-small[/] (43 dimensions; first 2,955 rows train, last 329 validate)");
        var all = CsvFeatureReader.Read(Path.Combine(data, "miniboone_val.csv.gz"));
        var train = all.Slice(0, quick ? 600 : 2955);
        var validation = all.Slice(2955, 329);
        var sw = Stopwatch.StartNew();
        var model = MixtureDensityFlowModel.Fit(train, new MixtureDensityFlowOptions
        {
            Architecture = { FlowType = FlowType.AffineCoupling, Layers = 6, HiddenSizes = [64], Components = 8, Standardize = false },
            Optimization = { Epochs = quick ? 2 : 40, BatchSize = 256, LearningRate = 1e-3f, WeightDecay = 1e-4f },
            Threads = threads,
            Seed = 1,
        }, validation, EpochPrinter(ctx, "flow"), ctx.Cancellation);
        double fitSeconds = sw.Elapsed.TotalSeconds;
        model.Save(Path.Combine(outputDir, "flow-miniboone.mlmix"));
        var (nativeLl, ortLl, maxDiff, nativeSeconds, ortSeconds) = DensityParity(model, validation, Path.Combine(outputDir, "flow-miniboone.onnx"));
        var sorted = nativeLl.OrderBy(v => v).ToArray();
        double mean = nativeLl.Average();
        double se = Math.Sqrt(nativeLl.Select(v => (v - mean) * (v - mean)).Sum() / (nativeLl.Length - 1) / nativeLl.Length);
        ctx.Console.MarkupLine($"   trained in {fitSeconds:F1} s; validation log-likelihood {mean:F2} ± {2 * se:F2} nats (median {sorted[sorted.Length / 2]:F2}, worst {sorted[0]:F1}); ONNX Runtime max |diff| {maxDiff:E1}");
        rows.Add(new SummaryRow("flow MINIBOONE", "LL (valid.)", mean, ortLl.Average(), maxDiff, nativeSeconds, ortSeconds, "F2"));
        var section = report.AddSection("MINIBOONE-small");
        section.AddParagraph($"Affine-coupling flow (6 layers, conditioner 64 units) with an 8-component Gaussian-mixture base, trained {model.Training?.EpochsRun} epochs on 2,955 rows. Validation log-likelihood per point {mean:F2} ± {2 * se:F2} nats (2 s.e.), median {sorted[sorted.Length / 2]:F2}, worst {sorted[0]:F1}. The demo trains briefly; see the README for the full protocol and figures.");
        section.AddFigure(new LineChart([
            new LineSeries("train log-likelihood", model.Training!.History.Select(h => (double?)(-h.TrainingLoss)).ToArray()),
            new LineSeries("validation log-likelihood", model.Training.History.Select(h => h.Validation).ToArray()) { Dashed = true },
        ]) { Title = "Log-likelihood per point", XLabel = "epoch", YLabel = "nats" }, "Training curves.");
        json["miniboone"] = new JsonObject { ["validationLogLikelihood"] = mean, ["twoStandardErrors"] = 2 * se, ["median"] = sorted[sorted.Length / 2], ["worst"] = sorted[0], ["maxLogDensityDiff"] = maxDiff, ["fitSeconds"] = fitSeconds };
    }

    private static (float[] Native, float[] Onnx, double MaxDiff, double NativeSeconds, double OnnxSeconds) DensityParity(MixtureDensityFlowModel model, FeatureTable data, string onnxPath)
    {
        new MixtureDensityFlowOnnxExporter().WriteFile(model.Model, model.FeatureNames, onnxPath);
        var sw = Stopwatch.StartNew();
        var native = model.LogDensity(data);
        double nativeSeconds = sw.Elapsed.TotalSeconds;
        using var scorer = OnnxScorer.Load(onnxPath);
        sw.Restart();
        var ort = scorer.Score(data.Features, data.Rows)[MixtureDensityFlowOnnxExporter.LogDensityOutput].Floats!;
        double ortSeconds = sw.Elapsed.TotalSeconds;
        return (native, ort, MaxAbsDiff(native, ort), nativeSeconds, ortSeconds);
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("F1", CultureInfo.InvariantCulture);

    private static string Scientific(double value) => value.ToString("E1", CultureInfo.InvariantCulture);

    private static EpochReporter EpochPrinter(CliContext ctx, string what) => new(
        p =>
        {
            if (!ctx.Quiet)
            {
                ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   [{what}] epoch {p.Epoch}/{p.Epochs} loss {p.TrainingLoss:F4} validation {p.Validation:F4} {p.SamplesPerSecond:N0} samples/s"));
            }
        },
        every: 10);

    /// <summary>
    /// One model's line of the summary: a metric by native and ONNX Runtime scoring, the largest difference between
    /// their per-row outputs, their scoring times in seconds, and how the metric is shown to people (P2 for an
    /// accuracy, F2 or F3 for a log-likelihood).
    /// </summary>
    private sealed record SummaryRow(string Model, string Metric, double Native, double Onnx, double MaxDiff, double NativeSeconds, double OnnxSeconds, string Format)
    {
        public string Show(double value) => value.ToString(Format, CultureInfo.InvariantCulture);
    }
}
