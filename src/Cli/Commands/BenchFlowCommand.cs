using System.CommandLine;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench flow</c>: training samples/s and log-density rows/s of the affine-coupling flow of
/// benchmarks/reference/flow_torch.py, natively and through ONNX Runtime, built on synthetic rows.
/// </summary>
internal static class BenchFlowCommand
{
    /// <summary>Rows per training step (as in the PyTorch reference).</summary>
    public const int TrainingBatch = 512;

    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var options = new BenchOptions("Measuring time of each rate, in seconds.", "64,1024,16384", againstOnnxRuntime: true);
        return options.CreateCommand(
            "flow",
            "Flow training samples/s and log-density rows/s, ours and ONNX Runtime's (affine-coupling flow, D=43, 8 layers, 128-128 conditioners).",
            context,
            (ctx, settings, _) => Run(ctx, settings));
    }

    private static int Run(CliContext ctx, BenchSettings settings)
    {
        var plan = settings.Plan;
        var bench = new FlowThroughputBenchmark(FlowThroughputBenchmark.ReferenceArchitecture);
        var table = new Table()
            .AddColumns("threads", "what", "batch", "ours/s", "GFLOP/s (% peak)", "ORT/s", "ours/ORT");
        var training = new JsonArray();
        var logDensity = new JsonArray();
        foreach (int threads in settings.Threads)
        {
            var train = bench.MeasureTraining(threads, TrainingBatch, plan, ctx.Cancellation);
            double trainGflops = train.Best * bench.TrainingFlopsPerSample / 1e9;
            table.AddRow(BenchReport.Count(threads), "training", BenchReport.Count(TrainingBatch), BenchReport.Rate(train.Best), BenchReport.Gflops(trainGflops, threads), string.Empty, string.Empty);
            training.Add(new JsonObject { ["threads"] = threads, ["batch"] = TrainingBatch, ["samplesPerSecond"] = BenchReport.RateJson(train.Best), ["gflops"] = BenchReport.GflopsJson(trainGflops) });
            foreach (int batch in settings.BatchSizes)
            {
                var ours = bench.MeasureLogDensity(batch, threads, plan, ctx.Cancellation);
                var onnx = bench.MeasureOnnxLogDensity(batch, threads, plan, ctx.Cancellation);
                double gflops = ours.Best * bench.LogDensityFlopsPerRow / 1e9;
                table.AddRow(BenchReport.Count(threads), "log-density", BenchReport.Count(batch), BenchReport.Rate(ours.Best), BenchReport.Gflops(gflops, threads), BenchReport.Rate(onnx.Best), BenchReport.Ratio(ours.Best / onnx.Best));
                logDensity.Add(new JsonObject
                {
                    ["threads"] = threads,
                    ["batch"] = batch,
                    ["oursRowsPerSecond"] = BenchReport.RateJson(ours.Best),
                    ["oursGflops"] = BenchReport.GflopsJson(gflops),
                    ["onnxRuntimeRowsPerSecond"] = BenchReport.RateJson(onnx.Best),
                    ["oursOverOnnxRuntime"] = BenchReport.RatioJson(ours.Best / onnx.Best),
                });
            }
        }

        BenchReport.Write(ctx, bench.Description, table, BenchReport.Legend, settings);
        var result = BenchReport.Result("bench flow", settings);
        result["model"] = bench.Description;
        result["training"] = training;
        result["logDensity"] = logDensity;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }
}
