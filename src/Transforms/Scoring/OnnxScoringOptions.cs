namespace MLNetMixture.Transforms.Scoring;

/// <summary>How <see cref="OnnxScorer"/> runs a model. The defaults score on the CPU in batches of 1,024 rows.</summary>
public sealed record OnnxScoringOptions
{
    /// <summary>The execution provider.</summary>
    public OnnxExecutionDevice Device { get; init; } = OnnxExecutionDevice.Cpu;

    /// <summary>The CUDA device ordinal (with <see cref="OnnxExecutionDevice.Cuda"/>).</summary>
    public int DeviceId { get; init; }

    /// <summary>Upper bound on the CUDA arena in bytes; null leaves ONNX Runtime's default (no limit).</summary>
    public long? GpuMemoryLimitBytes { get; init; }

    /// <summary>
    /// When CUDA is requested but cannot be used (no provider library, no driver, no device): true logs one
    /// warning naming what is missing and runs on the CPU; false throws <see cref="ExecutionProviderUnavailableException"/>.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>Rows per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Receives warnings (CUDA fallback); null writes them to standard error.</summary>
    public Action<string>? Warning { get; init; }
}
