using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A nested Monte-Carlo estimate of a mixture's log-density, <c>log p(z) = log E_(c ~ p(c))[p(z | c)]</c>,
/// from M sampled components per point: <c>log (1/M) Σ_m N(z; μ_(c_m), σ_(c_m))</c>, computed as a
/// log-mean-exp of the chosen components' log-densities.
/// </summary>
/// <remarks>
/// <para>
/// Each c_m is a straight-through Gumbel-softmax draw: exactly one-hot in the forward pass (so c_m ~ Categorical(a)
/// exactly and the estimate of p(z) is unbiased, its log consistent as M → ∞ with a downward bias of about
/// Var/(2M p²) by Jensen's inequality), with the relaxed sample's gradient in the backward pass so that the mixture
/// weights receive a (biased) pathwise gradient. The chosen log-density is written as <c>Σ_k c_mk log N_k(z)</c>,
/// so nothing leaves log space.
/// </para>
/// <para>
/// It exists to compare against the exact density (<see cref="DiagonalGaussianMixture.LogDensity(IComputeGraph, Var)"/>),
/// which costs the same K component densities, is exact, and gives the base parameters' reverse-KL gradients a
/// lower variance (measured in the tests; the flow parameters' gradients are unaffected, since a sample's base
/// point does not depend on the flow). The estimator is what one would use where the sum over components were
/// unaffordable.
/// </para>
/// </remarks>
public static class NestedMonteCarloMixtureDensity
{
    /// <summary>The estimate for points [N, D] with uniforms [N, M, K] for the M component draws per point; returns [N].</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="mixture">The mixture.</param>
    /// <param name="points">Points z [N, D].</param>
    /// <param name="uniforms">Uniforms in (0, 1) [N, M, K] for the Gumbel noise of the M draws per point.</param>
    /// <param name="temperature">The relaxation temperature of the backward pass (the forward draw does not depend on it).</param>
    public static Var LogDensity(IComputeGraph graph, DiagonalGaussianMixture mixture, Var points, Var uniforms, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(mixture);
        var shape = graph.Shape(uniforms);
        if (shape.Length != 3 || shape[2] != mixture.Components || shape[1] < 1)
        {
            throw new ArgumentException($"Expected uniforms [N, M >= 1, {mixture.Components}]; got [{string.Join(", ", shape)}].", nameof(uniforms));
        }

        int draws = shape[1];
        var componentLogDensities = graph.Reshape(mixture.ComponentLogDensities(graph, points), 0, 1, mixture.Components); // [N, 1, K]
        var selection = GumbelSoftmax.StraightThroughSample(graph, graph.Param(mixture.WeightLogits), uniforms, temperature); // [N, M, K]
        var chosen = graph.Sum(graph.Multiply(selection, componentLogDensities), -1); // [N, M]
        return graph.AddScalar(graph.LogSumExp(chosen, -1), -(float)Math.Log(draws));
    }
}
