namespace MLNetMixture.Training.Flows;

/// <summary>The element-wise transform of the coupling layers of a flow built by <see cref="ReverseKlFitting.CreateModel"/>.</summary>
public enum CouplingTransformKind
{
    /// <summary>Monotone rational-quadratic splines (<see cref="RationalQuadraticSplineCouplingLayer"/>).</summary>
    Spline,

    /// <summary>Affine maps, RealNVP style (<see cref="AffineCouplingLayer"/>).</summary>
    Affine,
}
