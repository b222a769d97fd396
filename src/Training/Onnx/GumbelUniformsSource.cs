namespace MLNetMixture.Training.Onnx;

/// <summary>Where an exported Gumbel-softmax gate gets the uniforms of its Gumbel noise.</summary>
public enum GumbelUniformsSource
{
    /// <summary>
    /// A float32 graph input [N, K] of uniforms in (0, 1): the model is deterministic given them, and gives what the
    /// training tape gives for the same uniforms.
    /// </summary>
    GraphInput,

    /// <summary>Drawn inside the graph on every run (ONNX RandomUniformLike), optionally seeded.</summary>
    RandomUniform,
}
