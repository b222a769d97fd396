using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>The sampling direction of a <see cref="MixtureDensityFlow"/> from a given base point.</summary>
internal static class FlowSamplingDirection
{
    /// <summary>
    /// Maps base points z [N, D] to data space: the flow's inverse, then the inverse standardisation if the model
    /// has one. Returns x [N, D] and log|det dx/dz| [N] (the same map as <see cref="MixtureDensityFlow.SampleWithLatent"/>).
    /// </summary>
    public static (Var X, Var LogDetToData) LatentToData(this MixtureDensityFlow model, IComputeGraph graph, Var z)
    {
        var (u, logDet) = model.Flow.Inverse(graph, z);
        if (model.Standardizer is not { } standardizer)
        {
            return (u, logDet);
        }

        var x = graph.Add(graph.Divide(u, graph.Param(standardizer.InverseStd)), graph.Param(standardizer.Mean));
        return (x, graph.Subtract(logDet, graph.Sum(graph.Log(graph.Param(standardizer.InverseStd)), 0)));
    }
}
