using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Compute;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>gemm-moe [threads] [d] [hidden] [classes]</c>: GFLOP/s of each matrix product of one
/// mixture-of-experts training step (K = 8 experts, batch 256, letter shape by default), called exactly as the tape
/// calls them (strided expert blocks included); the best of many short batches, so a shared machine's bursts of
/// other work are left out.
/// </summary>
internal static class MixtureOfExpertsGemmShapes
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        int d = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        int h = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        int c = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 26;
        const int n = 256, k = 8;
        int kh = k * h, kc = k * c;
        var random = new Random(1);
        float[] Fill(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5))];
        var x = Fill(n * d);
        var w1 = Fill(kh * d);
        var hidden = Fill(n * kh);
        var hiddenGrad = Fill(n * kh);
        var w2 = Fill(k * h * c);
        var y = Fill(n * kc);
        var yGrad = Fill(n * kc);
        var w1Grad = Fill(kh * d);
        var w2Grad = Fill(k * h * c);
        var cases = new (string Name, double Flops, Action Call)[]
        {
            ("F2 x W1^T (first layer)", 2.0 * n * kh * d, () => Gemm.Multiply(false, true, n, kh, d, 1f, x, d, w1, d, 1f, hidden, kh, threads)),
            ("F3 grouped h W2", 2.0 * n * kh * c, () =>
            {
                for (int g = 0; g < k; g++)
                {
                    Gemm.Multiply(false, false, n, c, h, 1f, hidden.AsSpan(g * h), kh, w2.AsSpan(g * h * c, h * c), c, 1f, y.AsSpan(g * c), kc, threads);
                }
            }),
            ("B3a grouped dh = dy W2^T", 2.0 * n * kh * c, () =>
            {
                for (int g = 0; g < k; g++)
                {
                    Gemm.Multiply(false, true, n, h, c, 1f, yGrad.AsSpan(g * c), kc, w2.AsSpan(g * h * c, h * c), c, 0f, hiddenGrad.AsSpan(g * h), kh, threads);
                }
            }),
            ("B3b grouped dW2 = h^T dy", 2.0 * n * kh * c, () =>
            {
                for (int g = 0; g < k; g++)
                {
                    Gemm.Multiply(true, false, h, c, n, 1f, hidden.AsSpan(g * h), kh, yGrad.AsSpan(g * c), kc, 1f, w2Grad.AsSpan(g * h * c, h * c), c, threads);
                }
            }),
            ("B2 dW1 = dh^T x", 2.0 * n * kh * d, () => Gemm.Multiply(true, false, kh, d, n, 1f, hiddenGrad, kh, x, d, 1f, w1Grad, d, threads)),
        };
        Console.WriteLine($"# gemm-moe  D={d} H={h} C={c} K={k} batch {n}, threads {threads}  load {MixtureOfExpertsRuns.Load()}");
        double total = 0;
        foreach (var (name, flops, call) in cases)
        {
            for (int i = 0; i < 200; i++)
            {
                call();
            }

            double best = double.MaxValue;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 1.0)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < 10; i++)
                {
                    call();
                }

                best = Math.Min(best, (Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency / 10);
            }

            total += best;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-28} {best * 1e6,8:F1} us  {flops / best / 1e9,6:F1} GFLOP/s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"all",-28} {total * 1e6,8:F1} us  load {MixtureOfExpertsRuns.Load()}"));
    }
}
