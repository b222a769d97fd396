namespace MLNetMixture.Training.Onnx;

/// <summary>Where an exported flow sampler gets its noise.</summary>
public enum FlowSamplingNoiseSource
{
    /// <summary>
    /// Two float32 graph inputs: <c>ComponentUniforms</c> [N, K], uniforms in (0, 1) for the Gumbel draw of the
    /// component, and <c>Normals</c> [N, D], standard normal draws for the Gaussian. The model is deterministic given
    /// them and gives what <see cref="Training.Flows.MixtureDensityFlow.Sample"/> gives on a tape for the same values.
    /// </summary>
    GraphInputs,

    /// <summary>
    /// Drawn inside the graph on every run (ONNX RandomUniformLike and RandomNormalLike). The only input is
    /// <c>SampleRows</c> [N, 1], whose values are ignored: it carries the number of draws N, so batched scoring
    /// (one row per draw) works unchanged.
    /// </summary>
    InGraph,
}
