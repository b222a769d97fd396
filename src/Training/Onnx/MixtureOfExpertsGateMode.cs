namespace MLNetMixture.Training.Onnx;

/// <summary>How an exported mixture-of-experts classifier weighs its experts.</summary>
public enum MixtureOfExpertsGateMode
{
    /// <summary>
    /// The full mixture <c>p(y|x) = sum_k softmax(gate)_k softmax(expert_k)</c>, computed in log space with the
    /// training graph's operations; <see cref="Training.Experts.MixtureOfExperts.Predict"/> computes the same
    /// probabilities natively (tests hold the two to float32 rounding).
    /// </summary>
    Soft,

    /// <summary>
    /// Each row is routed to its arg-max expert only (the first on ties): <c>p(y|x) = softmax(expert_k*)</c>, as
    /// <see cref="Training.Experts.MixtureOfExperts.PredictTopK"/> with k = 1. The exported graph still evaluates
    /// every expert and selects one with a one-hot weight; the native top-k path is what saves the compute.
    /// </summary>
    HardTop1,

    /// <summary>
    /// A stochastic gate: the relaxed Gumbel-softmax sample <c>z = softmax((gate + g) / τ)</c> replaces the gate
    /// probabilities, with τ the <c>Temperature</c> input and g Gumbel noise from uniforms that are either the
    /// <c>GateUniforms</c> input or drawn inside the graph (see <see cref="GumbelUniformsSource"/>).
    /// </summary>
    GumbelSoftmax,
}
