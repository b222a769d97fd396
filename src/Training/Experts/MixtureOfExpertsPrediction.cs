namespace MLNetMixture.Training.Experts;

/// <summary>One row's prediction by a <see cref="MixtureOfExpertsModel"/>.</summary>
/// <param name="Score">The class probabilities p(y|x), in the order of <see cref="MixtureOfExpertsModel.ClassLabels"/>; they sum to 1.</param>
/// <param name="PredictedLabel">The most probable class's label, as it was written in the training data.</param>
/// <param name="PredictedClass">The most probable class's index into <see cref="MixtureOfExpertsModel.ClassLabels"/> (the first on ties).</param>
/// <param name="GateProbabilities">The gate's probability p(z=k|x) of each of the K experts (before any top-k renormalisation).</param>
/// <param name="Expert">The expert with the largest gate probability (the first on ties).</param>
public sealed record MixtureOfExpertsPrediction(
    IReadOnlyList<float> Score,
    string PredictedLabel,
    int PredictedClass,
    IReadOnlyList<float> GateProbabilities,
    int Expert);
