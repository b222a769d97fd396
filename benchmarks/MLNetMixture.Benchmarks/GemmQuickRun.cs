using System.Diagnostics;
using System.Globalization;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// <c>gemm-quick [threads] [seconds-per-case] [batch-ms] [shape-filter]</c>: GFLOP/s of every product in <see cref="GemmShapes"/> in a
/// few seconds, without BenchmarkDotNet. When OpenBLAS is installed it is timed on the same operands in the same
/// process, alternating phases with ours (with a cool-down between phases so neither side's spinning worker threads
/// disturb the other), so both see the same machine conditions. Each side is warmed up, then timed in batches of
/// roughly batch-ms; the best batch is reported (on a shared machine the best is the least disturbed). The CPU-time
/// columns divide threads x 2*M*N*K by the process CPU time per call (all threads, spin-waiting included, best of the
/// timing phases): roughly the throughput with the cores to itself, a steadier figure for long calls when other
/// processes take turns on the cores (it still pays for their cache pollution). A shape
/// filter such as <c>4096</c> keeps the layer sizes whose "(M,K,N)" contains it.
/// </summary>
public static class GemmQuickRun
{
    // Ours and OpenBLAS alternate in phases, not batch by batch: both keep their worker threads spinning for a while
    // after a call (OpenBLAS for far longer), which would steal a core from the other side's next batch.
    private const int Rounds = 3;
    private const int CoolDownMs = 150;

    /// <summary>Runs the quick GEMM sweep and prints a table.</summary>
    public static void Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.6;
        double batchMs = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        string shapeFilter = args.Length > 3 ? args[3] : string.Empty;
        var openBlas = OpenBlasReference.TryLoad();
        openBlas?.SetThreads(threads);
        Console.WriteLine($"GEMM quick sweep: threads={threads}, {seconds:0.##} s per case, ~{batchMs:0.##} ms batches, best batch reported");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        Console.WriteLine($"machine: {MLNetMixture.Cli.Benchmarks.MachineDescription.PeakSummary}");
        Console.WriteLine(openBlas is null
            ? "OpenBLAS: not found (Debian: apt-get install libopenblas0-pthread)"
            : $"OpenBLAS: kernel {openBlas.Kernel} ({openBlas.Config.Trim()})"
                + (OpenBlasReference.UnsetPinning.Count > 0 ? $"; unset for this process: {string.Join(", ", OpenBlasReference.UnsetPinning)}" : string.Empty));
        Console.WriteLine($"{"",-44} {"--- wall-clock GFLOP/s ---",-27}   {"--- CPU-time GFLOP/s ---",-26}");
        Console.WriteLine($"{"(M,K,N)",-18} {"product",-8} {"m x n x k",-16} {"ours",8} {"OpenBLAS",9} {"ours/OB",7}   {"ours",8} {"OpenBLAS",9} {"ours/OB",7}");
        foreach (var (m, k, n) in GemmShapes.Forward.Where(s => $"({s.M},{s.K},{s.N})".Contains(shapeFilter, StringComparison.Ordinal)))
        {
            foreach (var gemm in GemmShapes.LayerCases(m, k, n))
            {
                var ours = new Timing(() => gemm.Run(threads), batchMs);
                Thread.Sleep(CoolDownMs);
                var reference = openBlas is null ? null : new Timing(() => gemm.RunReference(openBlas), batchMs);
                for (int round = 0; round < Rounds; round++)
                {
                    Thread.Sleep(CoolDownMs);
                    ours.Run(seconds / Rounds / 2);
                    if (reference is not null)
                    {
                        Thread.Sleep(CoolDownMs);
                        reference.Run(seconds / Rounds / 2);
                    }
                }

                Console.WriteLine(
                    $"{$"({m},{k},{n})",-18} {gemm.Label,-8} {$"{gemm.M}x{gemm.N}x{gemm.K}",-16} "
                    + $"{Columns(gemm.Flops, ours.Best, reference?.Best)}   {Columns(gemm.Flops * threads, ours.BestCpu, reference?.BestCpu)}");
            }
        }

        Console.WriteLine($"load average at end: {LoadAverage()}");
    }

    /// <summary>"ours OpenBLAS ratio" GFLOP/s columns for one pair of per-call times.</summary>
    private static string Columns(double flops, double oursSeconds, double? referenceSeconds)
    {
        string reference = referenceSeconds is { } r ? (flops / r / 1e9).ToString("0.0", CultureInfo.InvariantCulture) : "-";
        string ratio = referenceSeconds is { } q ? (q / oursSeconds).ToString("0.00", CultureInfo.InvariantCulture) : "-";
        return $"{flops / oursSeconds / 1e9,8:0.0} {reference,9} {ratio,7}";
    }

    /// <summary>The 1/5/15-minute load averages (Linux), to record how busy the machine was.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>Best time per call over batches of one action.</summary>
    private sealed class Timing
    {
        private readonly Action action;
        private readonly int calls;

        public Timing(Action action, double batchMs)
        {
            this.action = action;

            // Warm up (tiered JIT, packing buffers, worker threads) for ~50 ms, then size a batch.
            var clock = Stopwatch.StartNew();
            int warmups = 0;
            while (clock.Elapsed.TotalMilliseconds < 50 || warmups < 2)
            {
                action();
                warmups++;
            }

            calls = Math.Max(1, (int)(batchMs / (clock.Elapsed.TotalMilliseconds / warmups)));
        }

        public double Best { get; private set; } = double.MaxValue;

        /// <summary>Least process CPU time per call (all threads, spin-waiting included), measured over whole phases.</summary>
        public double BestCpu { get; private set; } = double.MaxValue;

        /// <summary>Times batches for <paramref name="seconds"/>. CPU time is taken over the whole phase: the kernel
        /// updates other running threads' CPU time only at scheduler ticks, too coarse for one short batch.</summary>
        public void Run(double seconds)
        {
            TimeSpan cpuStart = Environment.CpuUsage.TotalTime;
            long phaseCalls = 0;
            var clock = Stopwatch.StartNew();
            do
            {
                Batch();
                phaseCalls += calls;
            }
            while (clock.Elapsed.TotalSeconds < seconds);
            BestCpu = Math.Min(BestCpu, (Environment.CpuUsage.TotalTime - cpuStart).TotalSeconds / phaseCalls);
        }

        private void Batch()
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            Best = Math.Min(Best, Stopwatch.GetElapsedTime(start).TotalSeconds / calls);
        }
    }
}
