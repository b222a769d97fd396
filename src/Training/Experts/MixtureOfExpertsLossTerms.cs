using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Experts;

/// <summary>The values a <see cref="MixtureOfExperts"/> training loss is made of, all recorded on the same tape.</summary>
/// <param name="Total">The scalar to back-propagate: the likelihood term plus the weighted auxiliary terms.</param>
/// <param name="NegativeLogLikelihood">The scalar batch mean of the gate objective's negative log-likelihood.</param>
/// <param name="GateWeights">
/// The [N, K] routing weights the likelihood term used: the gate probabilities (<see cref="GateObjective.Marginal"/>),
/// the relaxed sample (<see cref="GateObjective.GumbelSoftmax"/>) or the one-hot sample (<see cref="GateObjective.StraightThrough"/>).
/// </param>
/// <param name="LoadBalancing">The unweighted load-balancing term <c>K * sum_i f_i P_i</c> when its weight is not zero.</param>
/// <param name="GateEntropy">The unweighted batch-mean gate entropy (nats) when its weight is not zero.</param>
public readonly record struct MixtureOfExpertsLossTerms(Var Total, Var NegativeLogLikelihood, Var GateWeights, Var? LoadBalancing, Var? GateEntropy);
