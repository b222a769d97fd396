using System.CommandLine;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench moe</c>: training samples/s of the letter-shaped mixture-of-experts classifier on
/// data/letter_train.csv, then inference rows/s of the trained model: soft and native top-1 routing, and the soft
/// mixture through ONNX Runtime.
/// </summary>
internal static class BenchMixtureOfExpertsCommand
{
    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var options = new BenchOptions("Measuring time of each rate, in seconds (training runs at least 2 epochs and this long).", "64,1024,4000", againstOnnxRuntime: true);
        var data = new Option<string?>("--data-dir") { Description = "Folder holding letter_train.csv and letter_test.csv (default: data/ of the repository, found from the current folder upwards)." };
        var cmd = options.CreateCommand(
            "moe",
            "Mixture-of-experts training samples/s and inference rows/s (soft, top-1, ONNX Runtime soft) on UCI letter: K=8 experts, hidden 64, batch 256.",
            context,
            (ctx, settings, pr) => Run(ctx, settings, pr.GetValue(data)));
        cmd.Options.Add(data);
        return cmd;
    }

    private static int Run(CliContext ctx, BenchSettings settings, string? dataDir)
    {
        string data = dataDir ?? DemoCommand.FindDataDirectory(Directory.GetCurrentDirectory());
        if (!File.Exists(Path.Combine(data, "letter_train.csv")) || !File.Exists(Path.Combine(data, "letter_test.csv")))
        {
            throw new UsageException($"{data} does not hold letter_train.csv and letter_test.csv; pass --data-dir with the repository's data folder.");
        }

        var plan = settings.Plan;
        var table = new Table()
            .AddColumns("threads", "what", "batch", "ours/s", "GFLOP/s (% peak)", "ORT/s", "ours/ORT", "top-1/soft");
        var training = new JsonArray();
        var inference = new JsonArray();
        string description = string.Empty;
        foreach (int threads in settings.Threads)
        {
            var bench = MixtureOfExpertsThroughputBenchmark.TrainOnLetter(data, threads, minimumEpochs: 2, settings.Seconds, ctx.Cancellation);
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

        BenchReport.Write(ctx, description + "; inference on the standardised letter test rows", table, BenchReport.Legend, settings);
        var result = BenchReport.Result("bench moe", settings);
        result["model"] = description;
        result["training"] = training;
        result["inference"] = inference;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }
}
