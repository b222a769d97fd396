using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites (pass --filter to pick), or a quick console mode named by the first
/// argument: <c>mlp-step</c> (training-step samples/s) or <c>denormals</c> (long-run speed with and without
/// the optimizer's denormal guard), <c>flow-quality</c> or <c>flow-speed</c>
/// (mixture-density flows: KL on 2D toys, MINIBOONE log-likelihood, training and scoring speed).
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
            case "flow-quality":
                FlowQualityBenchmark.Run(args[1..]);
                break;
            case "flow-speed":
                FlowSpeedBenchmark.Run(args[1..]);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                break;
        }
    }
}
