namespace MLNetMixture.Training.Flows;

/// <summary>The invertible transform stacked in a <see cref="MixtureDensityFlowArchitecture"/>.</summary>
public enum FlowType
{
    /// <summary>RealNVP affine coupling (<see cref="AffineCouplingLayer"/>): the cheapest to train and to sample.</summary>
    AffineCoupling,

    /// <summary>
    /// Neural spline coupling (<see cref="RationalQuadraticSplineCouplingLayer"/>): monotone rational-quadratic
    /// splines with identity tails; the most expressive per layer, and outliers outside the spline interval stay sane.
    /// </summary>
    SplineCoupling,

    /// <summary>
    /// Masked autoregressive flow (<see cref="MaskedAutoregressiveLayer"/>): one network pass per density
    /// evaluation, but D passes per sample.
    /// </summary>
    MaskedAutoregressive,

    /// <summary>
    /// Coupling with the sinh-arcsinh map (<see cref="CouplingLayer"/> × <see cref="SinhArcsinhBijection"/>): shift,
    /// scale, skew and tail weight per transformed feature; smooth everywhere, with no interval of its own.
    /// </summary>
    SinhArcsinhCoupling,

    /// <summary>
    /// Masked autoregressive flow with the sinh-arcsinh map (<see cref="AutoregressiveLayer"/> ×
    /// <see cref="SinhArcsinhBijection"/>): one network pass per density evaluation, D per sample.
    /// </summary>
    SinhArcsinhAutoregressive,

    /// <summary>
    /// Chosen from the number of features when the model is fitted (<see cref="MixtureDensityFlowArchitecture.FlowTypeFor"/>):
    /// <see cref="SplineCoupling"/> for a few features, where sharp edges and many modes are what the model must
    /// capture, <see cref="MaskedAutoregressive"/> above. A fitted model's architecture names the type chosen.
    /// </summary>
    Automatic,
}
