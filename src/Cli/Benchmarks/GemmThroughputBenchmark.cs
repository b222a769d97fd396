using System.Diagnostics;
using MLNetMixture.Training.Compute;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>GEMM GFLOP/s of the trainer's kernel (<see cref="Gemm"/>), for <c>mlmix bench gemm</c>.</summary>
public static class GemmThroughputBenchmark
{
    /// <summary>Measures GEMM throughput at (M,K,N) sizes; returns rows of (m, k, n, GFLOP/s).</summary>
    public static IReadOnlyList<(int M, int K, int N, double Gflops)> Measure(IEnumerable<(int M, int K, int N)> sizes, int threads, double seconds, CancellationToken cancellationToken)
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
                cancellationToken.ThrowIfCancellationRequested();
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
}
