using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A flow component whose parameters are set from a batch of its inputs before training (Glow's ActNorm
/// initialisation). <see cref="FlowSequence"/> forwards the call so every such layer sees the batch as it
/// arrives at that layer.
/// </summary>
public interface IDataDependentInitialization
{
    /// <summary>Sets parameters from <paramref name="data"/> [N, D], the inputs of the <see cref="IFlowLayer.Forward"/> direction.</summary>
    /// <param name="data">A representative batch; it is not modified.</param>
    void InitializeFrom(Tensor data);
}
