using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A monotone map applied to each element of a block of features, whose parameters a conditioner network computes
/// per row: the univariate transform that a <see cref="CouplingLayer"/> or an <see cref="AutoregressiveLayer"/>
/// applies (as zuko's coupling and autoregressive transforms take their univariate transform as a parameter).
/// </summary>
/// <remarks>
/// Both directions and their log-derivatives are written in <see cref="IComputeGraph"/> operations only, so the
/// same code trains on a <see cref="Tape"/>, inverts for sampling, and is emitted verbatim by the ONNX exporter. All
/// parameters equal to zero must give the identity map, so that a layer whose conditioner starts at zero starts as
/// the identity.
/// </remarks>
public interface IElementwiseBijection
{
    /// <summary>The name of the map, used in layer kinds (e.g. "Affine" gives "AffineCoupling").</summary>
    string Name { get; }

    /// <summary>How many unconstrained parameters each element needs (P).</summary>
    int ParametersPerElement { get; }

    /// <summary>How the P·M parameter columns of M elements are laid out.</summary>
    ConditionerLayout Layout { get; }

    /// <summary>Applies the map to each element.</summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="x">Elements [N, M] (M known when the graph is built).</param>
    /// <param name="parameters">Unconstrained parameters [N, P·M] in <see cref="Layout"/>.</param>
    /// <returns>The outputs [N, M] and log|d output / d x| per element [N, M].</returns>
    (Var Output, Var LogDerivative) Forward(IComputeGraph graph, Var x, Var parameters);

    /// <summary>The exact inverse of <see cref="Forward"/> for the same parameters.</summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="y">Elements [N, M].</param>
    /// <param name="parameters">Unconstrained parameters [N, P·M] in <see cref="Layout"/>.</param>
    /// <returns>The inputs [N, M] and log|d input / d y| per element [N, M] (minus the forward log-derivative).</returns>
    (Var Output, Var LogDerivative) Inverse(IComputeGraph graph, Var y, Var parameters);
}
