using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019; PyTorch's <c>AdamW</c>): each step first
/// multiplies a parameter by <c>1 - learningRate * weightDecay</c>, then applies the Adam update computed from
/// the raw gradient. Parameters whose <see cref="Parameter.ApplyWeightDecay"/> is false (biases) are not decayed.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Step size; finite and non-negative.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for stability; finite and non-negative.</param>
    /// <param name="weightDecay">Decoupled decay coefficient; 0 makes this plain Adam.</param>
    public AdamW(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 1e-2f)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true)
    {
    }
}
