using MLNetMixture.Training.Distributions;

namespace MLNetMixture.Training.Onnx;

/// <summary>How <see cref="MixtureOfExpertsOnnxExporter"/> exports a mixture-of-experts classifier.</summary>
public sealed record MixtureOfExpertsOnnxExportOptions
{
    /// <summary>
    /// The name of the raw-features input, float32 [N, D]. Default <c>Features</c> (mlmix's convention); the ML.NET
    /// components name it after their feature column, so ML.NET's ONNX transformer reads that column as it is.
    /// </summary>
    public string FeaturesInputName { get; init; } = OnnxExportConventions.FeaturesInput;

    /// <summary>The ONNX opset, <see cref="OnnxGraphBuilder.MinimumOpset"/> to <see cref="OnnxGraphBuilder.MaximumOpset"/>.</summary>
    public int Opset { get; init; } = OnnxGraphBuilder.DefaultOpset;

    /// <summary>How the experts are weighed; see <see cref="MixtureOfExpertsGateMode"/>.</summary>
    public MixtureOfExpertsGateMode GateMode { get; init; } = MixtureOfExpertsGateMode.Soft;

    /// <summary>Where the Gumbel noise's uniforms come from (<see cref="MixtureOfExpertsGateMode.GumbelSoftmax"/> only).</summary>
    public GumbelUniformsSource GumbelUniforms { get; init; } = GumbelUniformsSource.GraphInput;

    /// <summary>
    /// The floor the <c>Temperature</c> input is raised to inside the graph (<see cref="MixtureOfExpertsGateMode.GumbelSoftmax"/>
    /// only); positive and finite.
    /// </summary>
    public float MinimumTemperature { get; init; } = GumbelSoftmax.DefaultMinimumTemperature;

    /// <summary>
    /// The seed of the in-graph uniform draws (<see cref="GumbelUniformsSource.RandomUniform"/> only), or null for
    /// one chosen by the runtime. See <see cref="OnnxGraphBuilder.RandomUniformLike"/> for what a seed guarantees.
    /// </summary>
    public float? RandomSeed { get; init; }

    /// <summary>The producer's name, written to the model's producer_name and to <see cref="OnnxMetadataKeys.Producer"/>.</summary>
    public string ProducerName { get; init; } = "MLNetMixture";

    /// <summary>The producer's version for the model's producer_version; null uses the library's version.</summary>
    public string? ProducerVersion { get; init; }

    /// <summary>A human-readable description stored in the model, or empty.</summary>
    public string Description { get; init; } = string.Empty;
}
