using MLNetMixture.Training.Distributions;

namespace MLNetMixture.Training.Onnx;

/// <summary>How <see cref="MixtureDensityFlowOnnxExporter"/> exports a mixture-density flow.</summary>
public sealed record MixtureDensityFlowOnnxExportOptions
{
    /// <summary>
    /// The name of the raw-features input, float32 [N, D]. Default <c>Features</c> (mlmix's convention); the ML.NET
    /// components name it after their feature column, so ML.NET's ONNX transformer reads that column as it is.
    /// </summary>
    public string FeaturesInputName { get; init; } = OnnxExportConventions.FeaturesInput;

    /// <summary>The ONNX opset, <see cref="OnnxGraphBuilder.MinimumOpset"/> to <see cref="OnnxGraphBuilder.MaximumOpset"/>.</summary>
    public int Opset { get; init; } = OnnxGraphBuilder.DefaultOpset;

    /// <summary>Whether the graph evaluates densities or draws samples.</summary>
    public MixtureDensityFlowOnnxExportMode Mode { get; init; } = MixtureDensityFlowOnnxExportMode.Density;

    /// <summary>
    /// Whether a density graph also outputs <c>Component</c>, the arg-max of the component posterior (int64 [N], the
    /// first on ties). Density mode only.
    /// </summary>
    public bool IncludeComponentOutput { get; init; } = true;

    /// <summary>
    /// Whether a density graph scores one row per run with static shapes: input <c>Features</c> [1, D], outputs
    /// <c>LogDensity</c> [1], <c>ComponentPosterior</c> [K] (the batch axis dropped) and <c>Component</c> [1]. This
    /// is the contract of ML.NET's <c>ApplyOnnxModel</c>, which runs every row alone and maps an output of shape
    /// [K] to a vector column of K values (a dynamic [N, K] output would become a [1, K] column). False (the
    /// default) gives dynamic-batch shapes. Density mode only.
    /// </summary>
    public bool SingleRow { get; init; }

    /// <summary>Where a sampler's noise comes from (Sampling mode only).</summary>
    public FlowSamplingNoiseSource SamplingNoise { get; init; } = FlowSamplingNoiseSource.GraphInputs;

    /// <summary>
    /// Whether a sampler selects its component with the straight-through one-hot (true, the default) or with the
    /// relaxed Gumbel-softmax weights (false). The one-hot is the Gumbel-max draw, so each sample is an exact draw
    /// from the model's distribution whatever <see cref="SamplingTemperature"/> is; the relaxed selection blends the
    /// components' means and scales and only approaches the model's distribution as the temperature falls.
    /// Sampling mode only.
    /// </summary>
    public bool StraightThrough { get; init; } = true;

    /// <summary>
    /// The Gumbel-softmax temperature τ of the component selection, fixed when the model is exported (there is no
    /// temperature input); positive and finite, raised to <see cref="GumbelSoftmax.DefaultMinimumTemperature"/> as
    /// <see cref="Training.Flows.MixtureDensityFlow.Sample"/> does. It does not change straight-through draws.
    /// Sampling mode only.
    /// </summary>
    public float SamplingTemperature { get; init; } = 1f;

    /// <summary>
    /// The seed of the in-graph draws (<see cref="FlowSamplingNoiseSource.InGraph"/> only), or null for seeds chosen
    /// by the runtime: a whole number from 0 to <see cref="MixtureDensityFlowOnnxExporter.MaximumRandomSeed"/>. The
    /// component uniforms use it and the normals use it plus one, so the two streams differ. See
    /// <see cref="OnnxGraphBuilder.RandomUniformLike"/> for what a seed guarantees.
    /// </summary>
    public float? RandomSeed { get; init; }

    /// <summary>The producer's name, written to the model's producer_name and to <see cref="OnnxMetadataKeys.Producer"/>.</summary>
    public string ProducerName { get; init; } = "MLNetMixture";

    /// <summary>The producer's version for the model's producer_version; null uses the library's version.</summary>
    public string? ProducerVersion { get; init; }

    /// <summary>A human-readable description stored in the model, or empty.</summary>
    public string Description { get; init; } = string.Empty;
}
