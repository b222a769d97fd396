using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench moe</c>: training samples/s of the letter-shaped mixture-of-experts classifier on
/// data/letter_train.csv (or, with <c>--wide</c>, on the wide synthetic rows), then inference rows/s of the trained
/// model: soft and native top-1 routing, and the soft mixture through ONNX Runtime; with <c>--pytorch</c>, training
/// and soft inference beside benchmarks/reference/moe_torch.py (see <see cref="PyTorchComparison"/>).
/// </summary>
internal static class BenchMixtureOfExpertsCommand
{
    /// <summary>Epochs every training run lasts at the least (ours and moe_torch.py's).</summary>
    public const int MinimumEpochs = 2;

    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var options = new BenchOptions($"Measuring time of each rate, in seconds (training runs at least {MinimumEpochs} epochs and this long).", "64,1024,4000", againstOnnxRuntime: true, pyTorchScript: "moe_torch.py");
        var data = new Option<string?>("--data-dir") { Description = "Folder holding letter_train.csv and letter_test.csv (default: data/ of the repository, found from the current folder upwards)." };
        var wide = new Option<bool>("--wide")
        {
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"Train on the wide synthetic rows instead of letter ({MixtureOfExpertsThroughputBenchmark.WideRows:N0} x {MixtureOfExpertsThroughputBenchmark.WideInputs}, {MixtureOfExpertsThroughputBenchmark.WideClasses} classes, hidden {MixtureOfExpertsThroughputBenchmark.WideHidden}; as moe_torch.py --wide); inference on its first {MixtureOfExpertsThroughputBenchmark.WideInferenceRows:N0} rows."),
        };
        var cmd = options.CreateCommand(
            "moe",
            "Mixture-of-experts training samples/s and inference rows/s (soft, top-1, ONNX Runtime soft; or --pytorch: training and soft beside PyTorch) on UCI letter: K=8 experts, hidden 64, batch 256.",
            context,
            (ctx, settings, pr) => Run(ctx, settings, pr.GetValue(data), pr.GetValue(wide)));
        cmd.Options.Add(data);
        cmd.Options.Add(wide);
        return cmd;
    }

    private static int Run(CliContext ctx, BenchSettings settings, string? dataDir, bool wide)
    {
        if (wide && dataDir is not null)
        {
            throw new UsageException("--data-dir goes with letter, not --wide (whose rows are generated).");
        }

        string? data = wide ? null : dataDir ?? DemoCommand.FindDataDirectory(Directory.GetCurrentDirectory());
        if (data is not null && (!File.Exists(Path.Combine(data, "letter_train.csv")) || !File.Exists(Path.Combine(data, "letter_test.csv"))))
        {
            throw new UsageException($"{data} does not hold letter_train.csv and letter_test.csv; pass --data-dir with the repository's data folder.");
        }

        MixtureOfExpertsThroughputBenchmark Train(int threads) => data is null
            ? MixtureOfExpertsThroughputBenchmark.TrainOnWideSynthetic(threads, MinimumEpochs, settings.Seconds, ctx.Cancellation)
            : MixtureOfExpertsThroughputBenchmark.TrainOnLetter(data, threads, MinimumEpochs, settings.Seconds, ctx.Cancellation);
        string inferenceRows = data is null
            ? string.Create(CultureInfo.InvariantCulture, $"; inference on its first {MixtureOfExpertsThroughputBenchmark.WideInferenceRows:N0} rows")
            : "; inference on the standardised letter test rows";
        return settings.PyTorch is null ? Run(ctx, settings, Train, inferenceRows) : RunAgainstPyTorch(ctx, settings, Train, inferenceRows, wide);
    }

    /// <summary>
    /// Ours (training; soft inference at the best of the batch sizes) beside moe_torch.py, which trains each of its
    /// variants for at least as many epochs and seconds as ours.
    /// </summary>
    private static int RunAgainstPyTorch(CliContext ctx, BenchSettings settings, Func<int, MixtureOfExpertsThroughputBenchmark> train, string inferenceRows, bool wide)
    {
        var plan = settings.Plan;
        string description = string.Empty;
        string seconds = settings.Seconds.ToString("0.####", CultureInfo.InvariantCulture);
        string epochs = BenchReport.Count(MinimumEpochs);
        List<string> arguments = ["--epochs", epochs, "--seconds", seconds];
        if (wide)
        {
            arguments.Add("--wide");
        }

        return PyTorchComparison.Run(
            ctx,
            settings,
            "bench moe",
            () => description,
            "soft inference",
            threads =>
            {
                var bench = train(threads);
                description = bench.Description + inferenceRows;
                var (batch, soft) = settings.BatchSizes
                    .Select(b => (Batch: b, Rate: bench.MeasureSoft(b, threads, plan, ctx.Cancellation).Best))
                    .MaxBy(m => m.Rate);
                return new ThreadRates(
                    threads,
                    bench.TrainingSamplesPerSecond!.Value,
                    $"batch {BenchReport.Count(MixtureOfExpertsThroughputBenchmark.TrainingBatchSize)}, median of epochs 2..{BenchReport.Count(bench.TrainingEpochs)}",
                    soft,
                    $"batch {batch.ToString("N0", CultureInfo.InvariantCulture)}");
            },
            arguments,
            $"training each variant {epochs}+ epochs and {seconds}+ s, median epoch; soft inference the median pass of each variant");
    }

    private static int Run(CliContext ctx, BenchSettings settings, Func<int, MixtureOfExpertsThroughputBenchmark> train, string inferenceRows)
    {
        var plan = settings.Plan;
        var table = new Table()
            .AddColumns("threads", "what", "batch", "ours/s", "GFLOP/s (% peak)", "ORT/s", "ours/ORT", "top-1/soft");
        var training = new JsonArray();
        var inference = new JsonArray();
        string description = string.Empty;
        foreach (int threads in settings.Threads)
        {
            var bench = train(threads);
            description = bench.Description;
            double trainRate = bench.TrainingSamplesPerSecond!.Value;
            double trainGflops = bench.TrainingGflops!.Value;
            table.AddRow(BenchReport.Count(threads), "training", BenchReport.Count(MixtureOfExpertsThroughputBenchmark.TrainingBatchSize), BenchReport.Rate(trainRate), BenchReport.Gflops(trainGflops, threads), string.Empty, string.Empty, string.Empty);
            training.Add(new JsonObject
            {
                ["threads"] = threads,
                ["batch"] = MixtureOfExpertsThroughputBenchmark.TrainingBatchSize,
                ["epochs"] = bench.TrainingEpochs,
                ["samplesPerSecond"] = BenchReport.RateJson(trainRate),
                ["gflops"] = BenchReport.GflopsJson(trainGflops),
            });
            foreach (int batch in settings.BatchSizes)
            {
                double soft = bench.MeasureSoft(batch, threads, plan, ctx.Cancellation).Best;
                double topOne = bench.MeasureTopOne(batch, threads, plan, ctx.Cancellation).Best;
                double onnx = bench.MeasureOnnxSoft(batch, threads, plan, ctx.Cancellation).Best;
                table.AddRow(BenchReport.Count(threads), "soft", BenchReport.Count(batch), BenchReport.Rate(soft), string.Empty, BenchReport.Rate(onnx), BenchReport.Ratio(soft / onnx), string.Empty);
                table.AddRow(BenchReport.Count(threads), "top-1", BenchReport.Count(batch), BenchReport.Rate(topOne), string.Empty, string.Empty, string.Empty, BenchReport.Ratio(topOne / soft));
                inference.Add(new JsonObject
                {
                    ["threads"] = threads,
                    ["batch"] = batch,
                    ["softRowsPerSecond"] = BenchReport.RateJson(soft),
                    ["topOneRowsPerSecond"] = BenchReport.RateJson(topOne),
                    ["onnxRuntimeSoftRowsPerSecond"] = BenchReport.RateJson(onnx),
                    ["softOverOnnxRuntime"] = BenchReport.RatioJson(soft / onnx),
                    ["topOneOverSoft"] = BenchReport.RatioJson(topOne / soft),
                });
            }
        }

        BenchReport.Write(ctx, description + inferenceRows, table, BenchReport.Legend, settings);
        var result = BenchReport.Result("bench moe", settings);
        result["model"] = description;
        result["training"] = training;
        result["inference"] = inference;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }
}
