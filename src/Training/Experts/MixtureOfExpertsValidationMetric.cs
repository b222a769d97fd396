namespace MLNetMixture.Training.Experts;

/// <summary>The validation score a <see cref="MixtureOfExpertsObjective"/> reports (higher is better): early stopping and the kept parameters follow it.</summary>
public enum MixtureOfExpertsValidationMetric
{
    /// <summary>
    /// The fraction of validation rows whose most probable class is right. It is what classifiers are judged by,
    /// so the kept parameters are the most accurate ones seen; on a tie the earlier epoch is kept.
    /// </summary>
    Accuracy,

    /// <summary>
    /// Minus the mean log-loss <c>-log p(y|x)</c> of the validation rows (probabilities floored at 1e-15). Smoother
    /// than accuracy on small validation sets, but it stops as soon as the model becomes over-confident.
    /// </summary>
    NegativeLogLoss,
}
