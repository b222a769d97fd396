namespace MLNetMixture.Training.Flows;

/// <summary>
/// How the conditioner's output columns for M elements with P parameters each are laid out (see
/// <see cref="IElementwiseBijection.Layout"/>). The layout fixes which conditioner weights feed which element, so it
/// is part of a saved model's meaning.
/// </summary>
public enum ConditionerLayout
{
    /// <summary>Column j·M + i is parameter j of element i: one block of M columns per parameter.</summary>
    ParameterMajor,

    /// <summary>Column i·P + j is parameter j of element i: one block of P columns per element.</summary>
    ElementMajor,
}
