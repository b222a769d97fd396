using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites (pass --filter to pick), or a quick console mode named by the first
/// argument: <c>mlp-step</c> (training-step samples/s) or <c>denormals</c> (long-run speed with and without
/// the optimizer's denormal guard) or <c>reverse-kl</c> (reverse-KL flow fits: U1–U4 and 8-Gaussian mode coverage).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : string.Empty;
        switch (mode)
        {
            case "mlp-step":
                MlpStepQuickBenchmark.Run(args[1..]);
                break;
            case "denormals":
                DenormalBenchmark.Run(args[1..]);
                break;
            case "reverse-kl":
                ReverseKlBenchmark.Run(args[1..]);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                break;
        }
    }
}
