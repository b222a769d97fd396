using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Experts;

/// <summary>The forward pass of a <see cref="MixtureOfExperts"/> for a batch of N rows.</summary>
/// <param name="GateLogits">Unnormalised gate scores [N, K].</param>
/// <param name="GateLogProbabilities">log p(z=k|x) [N, K].</param>
/// <param name="ExpertLogProbabilities">log p(y=c|x, z=k) [N, K, C].</param>
public readonly record struct MixtureOfExpertsOutputs(Var GateLogits, Var GateLogProbabilities, Var ExpertLogProbabilities);
