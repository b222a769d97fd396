namespace MLNetMixture.Transforms.Scoring;

/// <summary>Where ONNX Runtime runs a model.</summary>
public enum OnnxExecutionDevice
{
    /// <summary>ONNX Runtime's CPU execution provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider on an NVIDIA GPU.</summary>
    Cuda,
}
