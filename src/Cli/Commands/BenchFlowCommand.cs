using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench flow</c>: training samples/s and log-density rows/s of the affine-coupling flow of
/// benchmarks/reference/flow_torch.py, natively and through ONNX Runtime, built on synthetic rows; with
/// <c>--pytorch</c>, natively and by that script (see <see cref="PyTorchComparison"/>).
/// </summary>
internal static class BenchFlowCommand
{
    /// <summary>Rows per training step (as in the PyTorch reference).</summary>
    public const int TrainingBatch = 512;

    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var options = new BenchOptions("Measuring time of each rate, in seconds.", "64,1024,16384", againstOnnxRuntime: true, pyTorchScript: "flow_torch.py");
        return options.CreateCommand(
            "flow",
            "Flow training samples/s and log-density rows/s, ours and ONNX Runtime's or (--pytorch) PyTorch's (affine-coupling flow, D=43, 8 layers, 128-128 conditioners).",
            context,
            (ctx, settings, _) => settings.PyTorch is null ? Run(ctx, settings) : RunAgainstPyTorch(ctx, settings));
    }

    /// <summary>
    /// Ours (training at batch 512; log-density at the best of the batch sizes) beside flow_torch.py, which trains
    /// for 3 repeats of a third of --seconds each and takes the best, as ours does.
    /// </summary>
    private static int RunAgainstPyTorch(CliContext ctx, BenchSettings settings)
    {
        var plan = settings.Plan;
        var bench = new FlowThroughputBenchmark(FlowThroughputBenchmark.ReferenceArchitecture);
        string perRepeat = (settings.Seconds / plan.Rounds).ToString("0.####", CultureInfo.InvariantCulture);
        string repeats = BenchReport.Count(plan.Rounds);
        return PyTorchComparison.Run(
            ctx,
            settings,
            "bench flow",
            () => bench.Description,
            "log-density",
            threads =>
            {
                double training = bench.MeasureTraining(threads, TrainingBatch, plan, ctx.Cancellation).Best;
                var (batch, logDensity) = settings.BatchSizes
                    .Select(b => (Batch: b, Rate: bench.MeasureLogDensity(b, threads, plan, ctx.Cancellation).Best))
                    .MaxBy(m => m.Rate);
                return new ThreadRates(threads, training, $"batch {BenchReport.Count(TrainingBatch)}", logDensity, $"batch {batch.ToString("N0", CultureInfo.InvariantCulture)}");
            },
            ["--seconds", perRepeat, "--repeats", repeats],
            $"training {repeats} x {perRepeat} s, best; log-density best of {repeats} passes over 65,536 rows");
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
