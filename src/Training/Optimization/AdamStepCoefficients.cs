namespace MLNetMixture.Training.Optimization;

/// <summary>The per-parameter, per-step scalars of one Adam update (see <see cref="AdamKernel"/>).</summary>
/// <param name="Beta1">First-moment decay.</param>
/// <param name="Beta2">Second-moment decay.</param>
/// <param name="GradientScale1">1 - beta1.</param>
/// <param name="GradientScale2">1 - beta2.</param>
/// <param name="StepSize">Learning rate divided by the first-moment bias correction.</param>
/// <param name="InverseSqrtCorrection2">1 / sqrt of the second-moment bias correction.</param>
/// <param name="Epsilon">Added to the denominator.</param>
/// <param name="L2">Coefficient of p added to the gradient (coupled weight decay); 0 for none.</param>
/// <param name="DecayFactor">Multiplier applied to p before the update (decoupled weight decay); 1 for none.</param>
/// <param name="FlushThreshold">Magnitudes below this are flushed to zero in m, v and p; 0 disables the flush.</param>
internal readonly record struct AdamStepCoefficients(
    float Beta1,
    float Beta2,
    float GradientScale1,
    float GradientScale2,
    float StepSize,
    float InverseSqrtCorrection2,
    float Epsilon,
    float L2,
    float DecayFactor,
    float FlushThreshold);
