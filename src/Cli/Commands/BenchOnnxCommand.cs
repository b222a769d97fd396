using System.CommandLine;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench onnx</c>: rows/s of our own scoring against ONNX Runtime's on the same exported model, across batch
/// sizes: the log-density of a K = 8 mixture-density flow and the soft mixture of a letter-shaped mixture of experts,
/// both freshly initialised on synthetic rows.
/// </summary>
internal static class BenchOnnxCommand
{
    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var options = new BenchOptions("Measuring time of each rate, in seconds.", "1,64,1024,16384", againstOnnxRuntime: true);
        return options.CreateCommand(
            "onnx",
            "Ours vs ONNX Runtime rows/s across batch sizes: flow log-density (D=43, 8 affine couplings, K=8) and MoE soft inference (D=16, C=26, K=8).",
            context,
            (ctx, settings, _) => Run(ctx, settings));
    }

    private static int Run(CliContext ctx, BenchSettings settings)
    {
        var plan = settings.Plan;
        var flow = new FlowThroughputBenchmark(FlowThroughputBenchmark.MixtureArchitecture);
        var experts = MixtureOfExpertsThroughputBenchmark.Untrained();
        var table = new Table()
            .AddColumns("what", "threads", "batch", "ours rows/s", "ORT rows/s", "ours/ORT");
        var results = new JsonArray();
        void Add(string model, string measurement, int threads, int batch, double ours, double onnx)
        {
            table.AddRow($"{model} {measurement}", BenchReport.Count(threads), BenchReport.Count(batch), BenchReport.Rate(ours), BenchReport.Rate(onnx), BenchReport.Ratio(ours / onnx));
            results.Add(new JsonObject
            {
                ["model"] = model,
                ["measurement"] = measurement,
                ["threads"] = threads,
                ["batch"] = batch,
                ["oursRowsPerSecond"] = BenchReport.RateJson(ours),
                ["onnxRuntimeRowsPerSecond"] = BenchReport.RateJson(onnx),
                ["oursOverOnnxRuntime"] = BenchReport.RatioJson(ours / onnx),
            });
        }

        foreach (int threads in settings.Threads)
        {
            foreach (int batch in settings.BatchSizes)
            {
                Add("flow", "log-density", threads, batch, flow.MeasureLogDensity(batch, threads, plan, ctx.Cancellation).Best, flow.MeasureOnnxLogDensity(batch, threads, plan, ctx.Cancellation).Best);
            }

            foreach (int batch in settings.BatchSizes)
            {
                Add("MoE", "soft", threads, batch, experts.MeasureSoft(batch, threads, plan, ctx.Cancellation).Best, experts.MeasureOnnxSoft(batch, threads, plan, ctx.Cancellation).Best);
            }
        }

        BenchReport.Write(ctx, $"{flow.Description}; {experts.Description}", table, "ORT = ONNX Runtime (CPU).", settings);
        var result = BenchReport.Result("bench onnx", settings);
        result["models"] = new JsonObject { ["flow"] = flow.Description, ["MoE"] = experts.Description };
        result["results"] = results;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }
}
