using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// The Gumbel-softmax math the gate objectives need, written with <see cref="IComputeGraph"/> operations and
/// taking the uniforms as an input so that the noise is explicit (and fixed in tests).
/// </summary>
/// <remarks>To be unified with the shared Gumbel-softmax distribution.</remarks>
internal static class GumbelGate
{
    /// <summary>Uniforms are clamped to [Epsilon, 1 - Epsilon] so that the Gumbel noise is finite.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>Standard Gumbel noise <c>g = -log(-log u)</c> from uniforms u in (0, 1).</summary>
    public static Var Noise(IComputeGraph graph, Var uniforms)
    {
        var u = graph.Clamp(uniforms, Epsilon, 1f - Epsilon);
        return graph.Negate(graph.Log(graph.Negate(graph.Log(u))));
    }

    /// <summary>The perturbed logits <c>logits + g</c>; their arg-max is an exact sample of Categorical(softmax(logits)).</summary>
    public static Var Perturb(IComputeGraph graph, Var logits, Var uniforms) => graph.Add(logits, Noise(graph, uniforms));

    /// <summary>The log of the relaxed sample, <c>log z = log_softmax((logits + g) / temperature)</c>.</summary>
    public static Var LogRelaxedSample(IComputeGraph graph, Var perturbed, float temperature) =>
        graph.LogSoftmax(graph.MultiplyScalar(perturbed, 1f / temperature));

    /// <summary>The relaxed sample <c>z = softmax((logits + g) / temperature)</c>.</summary>
    public static Var RelaxedSample(IComputeGraph graph, Var perturbed, float temperature) =>
        graph.Softmax(graph.MultiplyScalar(perturbed, 1f / temperature));

    /// <summary>
    /// The straight-through sample: exactly the one-hot arg-max of the perturbed logits in the forward pass,
    /// with the gradient of the relaxed sample (<c>hard + (soft - stop_gradient(soft))</c>).
    /// </summary>
    public static (Var Sample, Var Hard) StraightThroughSample(IComputeGraph graph, Var perturbed, float temperature)
    {
        var hard = graph.OneHotArgMax(perturbed);
        var soft = RelaxedSample(graph, perturbed, temperature);
        return (graph.Add(hard, graph.Subtract(soft, graph.StopGradient(soft))), hard);
    }
}
