using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites (pass --filter to pick), or a quick console mode named by the first argument:
/// <c>gemm-quick [threads] [seconds-per-case] [batch-ms] [M filter]</c> (GEMM sweep against OpenBLAS), <c>mlp-step</c>
/// (training-step samples/s), <c>denormals</c> (long-run speed with and without the optimizer's denormal guard),
/// <c>flow-quality</c> (mixture-density flows: KL on 2D toys, MINIBOONE log-likelihood), <c>flow-speed</c>
/// (flow training and log-density throughput) or <c>onnx-throughput</c>
/// (rows/s of ONNX Runtime vs our own scoring at several batch sizes), or <c>reverse-kl</c>
/// (reverse-KL fits to the U1-U4 energies and the 8-Gaussian target: ELBO, log Z, ESS, mode coverage),
/// <c>moe-quality</c> and <c>moe-speed</c> (mixture-of-experts test accuracy per objective or with the defaults over
/// several seeds, on any data/&lt;name&gt;_train/_test pair; training/inference speed),
/// or <c>mlnet-load</c> (rows/s through a saved ML.NET pipeline: mlContext.Model.Load against mlContext.LoadBatched),
/// or <c>wide-fit-time</c> (the default MoE's fit time on 60,000 x 784 synthetic rows, against HistGradientBoosting),
/// or <c>stream-train</c> (a 20M-row CSV: streamed flow training and ML.NET batched scoring, peak RSS and rows/s,
/// against in-memory training on a subset).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0].StartsWith("moe-", StringComparison.Ordinal) && MixtureOfExpertsRuns.TryRun(args))
        {
            return; // moe-quality, moe-speed
        }

        string mode = args.Length > 0 ? args[0] : string.Empty;
        switch (mode)
        {
            case "gemm-quick":
                GemmQuickRun.Run(args[1..]);
                break;
            case "thread-scaling":
                ThreadScalingBenchmark.Run(args[1..]);
                break;
            case "gemm-moe":
                MixtureOfExpertsGemmShapes.Run(args[1..]);
                break;
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
            case "onnx-throughput":
                OnnxThroughputBenchmark.Run(args[1..]);
                break;
            case "mlnet-load":
                LoadedPipelineThroughputBenchmark.Run(args[1..]);
                break;
            case "stream-train":
                StreamingTrainingBenchmark.Run(args[1..]);
                break;
            case "wide-fit-time":
                WideFitTimeBenchmark.Run(args[1..]);
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
