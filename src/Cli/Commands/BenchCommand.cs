using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Compute;
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

    /// <summary>Measures GEMM throughput at (M,K,N) sizes; returns rows of (m, k, n, GFLOP/s).</summary>
    public static IReadOnlyList<(int M, int K, int N, double Gflops)> MeasureGemm(IEnumerable<(int M, int K, int N)> sizes, int threads, double seconds, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var rows = new List<(int, int, int, double)>();
        var rng = new Random(1);
        foreach (var (m, k, n) in sizes)
        {
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = (float)rng.NextDouble() - 0.5f;
            }

            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (float)rng.NextDouble() - 0.5f;
            }

            Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads); // warm-up
            double best = 0;
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds || best == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                int reps = 0;
                do
                {
                    Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads);
                    reps++;
                }
                while (sw.Elapsed.TotalMilliseconds < 50);
                best = Math.Max(best, 2.0 * m * n * k * reps / sw.Elapsed.TotalSeconds / 1e9);
            }

            rows.Add((m, k, n, best));
        }

        return rows;
    }

    private static int RunGemm(CliContext ctx, BenchSettings settings)
    {
        (int, int, int)[] sizes = [(512, 43, 128), (512, 128, 128), (1024, 256, 256), (4096, 1024, 1024)];
        var table = new Table().AddColumns("threads", "M", "K", "N", "GFLOP/s");
        var json = new JsonArray();
        foreach (int threads in settings.Threads)
        {
            foreach (var (m, k, n, g) in MeasureGemm(sizes, threads, settings.Seconds, ctx.Cancellation))
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
