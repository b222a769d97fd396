namespace MLNetMixture.Training.Flows;

/// <summary>How <see cref="MixtureDensityFlowInitializer"/> starts a learnable (K &gt; 1) mixture base.</summary>
public enum MixtureBaseInitialization
{
    /// <summary>
    /// Every component is a standard normal, its mean moved by a small random jitter (to break the symmetry) and the
    /// weights equal: the new model's density is, to within the jitter, that of a K = 1 model, and training moves
    /// components apart only where the data reward it.
    /// </summary>
    StandardNormal,

    /// <summary>
    /// The components start on the k-means clusters of the (standardised) training data: each takes its cluster's
    /// mean, per-feature deviation and share of the rows.
    /// </summary>
    KMeans,

    /// <summary>
    /// As <see cref="KMeans"/> for the means and weights, but every component takes the same per-feature deviation
    /// (the pooled within-cluster one), so no cluster starts as a narrow spike.
    /// </summary>
    KMeansSharedScale,

    /// <summary>Component 0 starts as a standard normal of weight one half; the other K - 1 start on k-means clusters and share the other half.</summary>
    KMeansAndStandardNormal,

    /// <summary>As <see cref="KMeans"/>, with every mean moved half way to the data mean and the components widened to keep the data's variance.</summary>
    KMeansShrunk,
}
