namespace MLNetMixture.Training.Experts;

/// <summary>The training objective of a <see cref="MixtureOfExperts"/>: the gate objective and optional auxiliary terms.</summary>
public sealed record MixtureOfExpertsTrainingOptions
{
    /// <summary>The per-row likelihood objective; see <see cref="GateObjective"/>.</summary>
    public GateObjective Objective { get; init; } = GateObjective.Marginal;

    /// <summary>
    /// Temperature of the relaxed gate sample (<see cref="GateObjective.GumbelSoftmax"/> and the backward pass of
    /// <see cref="GateObjective.StraightThrough"/>); must be positive. Lower values are closer to a hard choice
    /// but give higher-variance gradients. Ignored by <see cref="GateObjective.Marginal"/>.
    /// </summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>
    /// Weight alpha of the Switch-Transformer load-balancing term <c>alpha * K * sum_i f_i P_i</c>, where
    /// <c>f_i</c> is the fraction of the batch whose arg-max gate is expert i (a constant) and <c>P_i</c> the
    /// batch mean of the gate probability of expert i (differentiable). The term is smallest (alpha) when
    /// routing is uniform across experts. 0 (the default) leaves it out; 0.01 is a common choice.
    /// </summary>
    public float LoadBalancingWeight { get; init; }

    /// <summary>
    /// Weight beta of the batch-mean gate entropy <c>H(p(z|x)) = -sum_k p_k log p_k</c> (nats) added to the loss.
    /// A positive beta is minimised by confident gates: each row is sent decisively to one expert, which makes
    /// top-1 routing at inference agree with training. A negative beta rewards spread-out gates (exploration,
    /// against experts dying early). Combined with a positive <see cref="LoadBalancingWeight"/>, a positive beta
    /// asks for routing that is confident per row yet balanced across the batch. 0 (the default) leaves it out.
    /// </summary>
    public float GateEntropyWeight { get; init; }
}
