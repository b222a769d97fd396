using System.Diagnostics;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// <c>gemm-quick [threads] [seconds-per-case] [batch-ms]</c>: GFLOP/s of every shape in <see cref="GemmShapes"/> in a few
/// seconds, without BenchmarkDotNet. Each case is warmed up, then timed in batches; the best batch is reported
/// (on a shared machine the best is the least disturbed; short batches help there).
/// </summary>
public static class GemmQuickRun
{
    /// <summary>Runs the quick GEMM sweep and prints a table.</summary>
    public static void Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2;
        double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.4;
        double batchMs = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"GEMM quick sweep: threads={threads}, {seconds:0.##} s per case, best batch reported");
        Console.WriteLine($"{"(M,K,N)",-18} {"product",-8} {"m x n x k",-18} {"GFLOP/s",8} {"us/call",10}");
        foreach (var (m, k, n) in GemmShapes.Forward)
        {
            foreach (var gemm in GemmShapes.LayerCases(m, k, n))
            {
                var (gflops, micros) = Measure(gemm, threads, seconds, batchMs);
                Console.WriteLine($"{$"({m},{k},{n})",-18} {gemm.Label,-8} {$"{gemm.M}x{gemm.N}x{gemm.K}",-18} {gflops,8:0.0} {micros,10:0.0}");
            }
        }
    }

    private static (double GFlops, double Micros) Measure(GemmCase gemm, int threads, double seconds, double batchMs)
    {
        // Warm up (tiered JIT, packing buffers, helper threads) for ~50 ms, then size a batch to roughly batchMs.
        var clock = Stopwatch.StartNew();
        int warmups = 0;
        while (clock.Elapsed.TotalMilliseconds < 50 || warmups < 2)
        {
            gemm.Run(threads);
            warmups++;
        }

        double perCallMs = clock.Elapsed.TotalMilliseconds / warmups;
        int calls = Math.Max(1, (int)(batchMs / perCallMs));

        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                gemm.Run(threads);
            }

            double perCall = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
            best = Math.Min(best, perCall);
        }

        return (gemm.Flops / best / 1e9, best * 1e6);
    }
}
