using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>Small graph idioms shared by the flow layers; each is a fixed composition of <see cref="IComputeGraph"/> operations.</summary>
internal static class FlowGraphExtensions
{
    /// <summary>
    /// Zeros [N] for rows x [N, D] without knowing N: Step gives finite 0/1 values even for non-finite inputs,
    /// so the product with 0 is exactly 0.
    /// </summary>
    public static Var ZerosPerRow(this IComputeGraph graph, Var x) =>
        graph.MultiplyScalar(graph.Step(graph.Sum(graph.Slice(x, 1, 0, 1), 1)), 0f);

    /// <summary>A scalar (rank 0 or a single element) repeated for each of the N rows of x [N, D], as [N].</summary>
    public static Var RepeatPerRow(this IComputeGraph graph, Var x, Var scalar) =>
        graph.Add(graph.ZerosPerRow(x), scalar);

    /// <summary>bound · tanh(raw / bound): the identity near zero, smoothly limited to (-bound, bound).</summary>
    public static Var SoftClamp(this IComputeGraph graph, Var raw, float bound) =>
        graph.MultiplyScalar(graph.Tanh(graph.MultiplyScalar(raw, 1f / bound)), bound);
}
