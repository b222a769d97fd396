namespace MLNetMixture.Training.Flows;

/// <summary>How reverse-KL fitting scores a sampled base point z0 under the mixture base.</summary>
public enum ReverseKlBaseDensity
{
    /// <summary>The exact mixture density <c>log Σ_k a_k N(z0; μ_k, σ_k)</c>.</summary>
    Exact,

    /// <summary>
    /// The nested Monte-Carlo estimate <c>log (1/M) Σ_m N(z0; μ_(c_m), σ_(c_m))</c> with M fresh components
    /// c_m ~ Categorical(a) per point (see <see cref="NestedMonteCarloMixtureDensity"/>): consistent as M grows, a
    /// lower bound in expectation (Jensen) for finite M.
    /// </summary>
    NestedMonteCarlo,
}
