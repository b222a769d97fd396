using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench</c>: throughput tables. <c>gemm</c> (GFLOP/s), <c>flow</c> (flow training and log-density, ours and
/// ONNX Runtime's), <c>moe</c> (mixture-of-experts training and soft / top-1 / ONNX Runtime inference) and <c>onnx</c>
/// (ours vs ONNX Runtime across batch sizes). The measuring code is in <see cref="Benchmarks"/>, shared with the
/// benchmark project.
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("bench", "Measure throughput: ours vs references.");
        var gemm = new BenchOptions("Measuring time per size, in seconds.", defaultBatchSizes: null, againstOnnxRuntime: false)
            .CreateCommand("gemm", "GEMM GFLOP/s at the sizes the trainer uses.", context, (ctx, settings, _) => RunGemm(ctx, settings));
        cmd.Subcommands.Add(gemm);
        cmd.Subcommands.Add(BenchFlowCommand.Build(context));
        cmd.Subcommands.Add(BenchMixtureOfExpertsCommand.Build(context));
        cmd.Subcommands.Add(BenchOnnxCommand.Build(context));
        cmd.Subcommands.Add(BenchStreamCommand.Build(context));
        return cmd;
    }

    private static int RunGemm(CliContext ctx, BenchSettings settings)
    {
        (int, int, int)[] sizes = [(512, 43, 128), (512, 128, 128), (1024, 256, 256), (4096, 1024, 1024)];
        var table = new Table().AddColumns("threads", "M", "K", "N", "GFLOP/s");
        var json = new JsonArray();
        foreach (int threads in settings.Threads)
        {
            foreach (var (m, k, n, g) in GemmThroughputBenchmark.Measure(sizes, threads, settings.Seconds, ctx.Cancellation))
            {
                table.AddRow(BenchReport.Count(threads), BenchReport.Count(m), BenchReport.Count(k), BenchReport.Count(n), g.ToString("F1", CultureInfo.InvariantCulture));
                json.Add(new JsonObject { ["threads"] = threads, ["m"] = m, ["k"] = k, ["n"] = n, ["gflops"] = Math.Round(g, 2) });
            }
        }

        BenchReport.Write(ctx, "GEMM C = A B (float32, row-major), best GFLOP/s per size", table, legend: null, settings, string.Create(CultureInfo.InvariantCulture, $"; {settings.Seconds:0.###} s per size, best 50 ms burst"));
        var result = BenchReport.Result("bench gemm", settings);
        result["results"] = json;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }
}
