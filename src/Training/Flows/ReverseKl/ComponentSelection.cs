namespace MLNetMixture.Training.Flows;

/// <summary>How reverse-KL training draws the mixture component of each base sample, and so how gradients reach the mixture weights.</summary>
public enum ComponentSelection
{
    /// <summary>
    /// Straight-through Gumbel-softmax: the forward draw is exactly one-hot (Gumbel-max, an exact draw from q) and
    /// the backward pass uses the gradient of the relaxed sample, a biased estimate for the weight logits.
    /// </summary>
    StraightThrough,

    /// <summary>
    /// The soft Gumbel-softmax (Concrete) relaxation: the base point blends the components' means and sigmas.
    /// The blends are not draws from q, and scoring them with the exact mixture density makes the objective
    /// exploitable (a blend between narrow, separated components has a tiny density, which the loss rewards):
    /// the training objective can exceed log Z while the true ELBO falls. Kept for comparison.
    /// </summary>
    Relaxed,

    /// <summary>
    /// No sampling of the component: the batch is split into K equal strata, stratum k drawn from component k,
    /// and the loss is <c>Σ_k a_k · mean_(stratum k)[log q − log p~]</c>, an unbiased estimate of the reverse KL whose
    /// gradient reaches the weights exactly through a_k. Needs a batch of at least K samples.
    /// </summary>
    Stratified,
}
