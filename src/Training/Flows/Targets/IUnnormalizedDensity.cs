namespace MLNetMixture.Training.Flows.Targets;

/// <summary>
/// An unnormalised target density <c>p~(x) = Z p(x)</c> over R^D, evaluated in batches: the log-density
/// <c>log p~(x)</c> and its gradient with respect to x. Reverse-KL fitting
/// (<see cref="ReverseKlFitting"/>) only ever needs these two; the normaliser Z need not be known.
/// </summary>
/// <remarks>
/// Implementations must be deterministic and may be called with any batch size. A point outside the support
/// may return negative infinity (the fit then fails with a divergence error if the flow puts a sample there);
/// NaN is never a valid answer.
/// </remarks>
public interface IUnnormalizedDensity
{
    /// <summary>The dimension D of a point.</summary>
    int Dimension { get; }

    /// <summary>Evaluates a batch of N points.</summary>
    /// <param name="points">N points, row-major [N * D].</param>
    /// <param name="logDensity">Receives <c>log p~(x_n)</c> [N].</param>
    /// <param name="gradient">
    /// Receives <c>∇_x log p~(x_n)</c>, row-major [N * D]; empty when only the values are wanted (evaluation),
    /// in which case implementations skip the gradient.
    /// </param>
    void Evaluate(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient);
}
