using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites (pass --filter to pick), or the quick GEMM sweep against OpenBLAS: <c>gemm-quick [threads] [seconds-per-case] [batch-ms] [shape-filter]</c>.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm-quick")
        {
            GemmQuickRun.Run(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
