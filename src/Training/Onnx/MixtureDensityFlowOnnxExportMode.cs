namespace MLNetMixture.Training.Onnx;

/// <summary>What an exported mixture-density flow computes.</summary>
public enum MixtureDensityFlowOnnxExportMode
{
    /// <summary>
    /// Density evaluation: raw feature rows in, their log-density log p(x) and the posterior over the base's
    /// mixture components out (<see cref="Training.Flows.MixtureDensityFlow.LogDensityAndPosterior"/>).
    /// </summary>
    Density,

    /// <summary>
    /// Sampling: draws in data space with their log-densities, from noise given as graph inputs or drawn inside the
    /// graph (see <see cref="FlowSamplingNoiseSource"/>), through
    /// <see cref="Training.Flows.MixtureDensityFlow.Sample"/>.
    /// </summary>
    Sampling,
}
