namespace MLNetMixture.Training.Experts;

/// <summary>How the gate of a <see cref="MixtureOfExperts"/> is trained: which per-row objective the loss minimises.</summary>
public enum GateObjective
{
    /// <summary>
    /// The exact negative log marginal likelihood <c>-log sum_k p(z=k|x) p(y|x,z=k)</c>, summed over every
    /// expert in closed form (no sampling, no estimator variance). Experts may share responsibility for a row.
    /// </summary>
    Marginal,

    /// <summary>
    /// A relaxed (Gumbel-softmax / Concrete) sample <c>z</c> of the gate replaces the gate probabilities:
    /// <c>-log sum_k z_k p(y|x,z=k)</c>. The gradient reaches the gate through the reparameterisation of the
    /// sample, not through a score-function (REINFORCE) estimator. As the temperature goes to zero the objective
    /// becomes the expected log-likelihood lower bound <c>sum_k p(z=k|x) log p(y|x,z=k)</c>, which rewards
    /// routing every row decisively to one expert.
    /// </summary>
    GumbelSoftmax,

    /// <summary>
    /// Straight-through Gumbel-softmax: the forward pass routes each row through exactly one sampled expert
    /// (a hard one-hot <c>z</c>), while the backward pass uses the gradient of the relaxed sample.
    /// </summary>
    StraightThrough,
}
