using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Compute;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix bench</c>: throughput tables (GEMM for now; flows, experts and ONNX Runtime as they land).</summary>
public sealed class BenchCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("bench", "Measure throughput: ours vs references.");
        var gemm = new Command("gemm", "GEMM GFLOP/s at the sizes the trainer uses.");
        var threads = new Option<int>("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var seconds = new Option<double>("--seconds") { Description = "Measuring time per size.", DefaultValueFactory = _ => 1.0 };
        gemm.Options.Add(threads);
        gemm.Options.Add(seconds);
        gemm.SetAction(pr => RunGemm(context(pr), pr.GetValue(threads), pr.GetValue(seconds)));
        cmd.Subcommands.Add(gemm);
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

    private static int RunGemm(CliContext ctx, int threads, double seconds)
    {
        (int, int, int)[] sizes = [(512, 43, 128), (512, 128, 128), (1024, 256, 256), (4096, 1024, 1024)];
        var rows = MeasureGemm(sizes, threads, seconds, ctx.Cancellation);
        var table = new Table().AddColumns("M", "K", "N", "GFLOP/s");
        var json = new JsonArray();
        foreach (var (m, k, n, g) in rows)
        {
            table.AddRow(m.ToString(Inv), k.ToString(Inv), n.ToString(Inv), g.ToString("F1", Inv));
            json.Add(new JsonObject { ["m"] = m, ["k"] = k, ["n"] = n, ["gflops"] = Math.Round(g, 2) });
        }

        ctx.Console.Write(table);
        ctx.Console.MarkupLine($"[grey]SIMD: Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}; {Environment.ProcessorCount} cores; threads={(threads <= 0 ? Environment.ProcessorCount : threads)}[/]");
        ctx.WriteResult(new JsonObject { ["command"] = "bench gemm", ["results"] = json });
        return ExitCodes.Success;
    }

    private static System.Globalization.CultureInfo Inv => System.Globalization.CultureInfo.InvariantCulture;
}
