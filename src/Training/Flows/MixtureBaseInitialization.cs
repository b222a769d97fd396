namespace MLNetMixture.Training.Flows;

/// <summary>How a learnable (K &gt; 1) mixture base starts (<see cref="MixtureDensityFlowInitializer"/>, <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>).</summary>
public enum MixtureBaseInitialization
{
    /// <summary>
    /// <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> fits the model twice, from <see cref="KMeans"/> and from
    /// <see cref="StandardNormal"/>, and keeps the fit with the better validation log-likelihood (twice the training
    /// time). Without validation rows it starts from <see cref="KMeans"/>. The initializer alone treats it as
    /// <see cref="KMeans"/>.
    /// </summary>
    ChosenByValidation,

    /// <summary>
    /// The components start on the k-means clusters of the (standardised) training data: each takes its cluster's
    /// mean, per-feature deviation and share of the rows. Separated modes start apart, but on unimodal data the clusters
    /// carve one bump into pieces that training does not undo.
    /// </summary>
    KMeans,

    /// <summary>
    /// Every component is a standard normal, its mean moved by a small random jitter
    /// (<see cref="MixtureDensityFlowInitializer.StandardNormalJitter"/>) to break the symmetry, and the weights equal:
    /// the new model's density is, to within the jitter, that of a K = 1 model, and training separates the
    /// components only slowly.
    /// </summary>
    StandardNormal,
}
