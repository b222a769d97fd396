namespace MLNetMixture.Training.Flows.Targets;

/// <summary>
/// An unnormalised log-density and its gradient for a batch, as a delegate: fills <paramref name="logDensity"/>
/// [N] with <c>log p~(x_n)</c> and, unless it is empty, <paramref name="gradient"/> [N * D] with
/// <c>∇_x log p~(x_n)</c>, for the N points of <paramref name="points"/> [N * D] (row-major).
/// Wrap it with <see cref="UnnormalizedDensity.FromDelegate"/> to use it as an <see cref="IUnnormalizedDensity"/>.
/// </summary>
/// <param name="points">N points, row-major [N * D].</param>
/// <param name="logDensity">Receives the N log-densities.</param>
/// <param name="gradient">Receives the N gradients, or is empty when only values are wanted.</param>
public delegate void TargetLogDensity(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient);
