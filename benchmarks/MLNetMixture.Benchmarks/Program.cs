using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites; pass --filter to pick.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        if (MixtureOfExpertsRuns.TryRun(args))
        {
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
