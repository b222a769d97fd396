namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Keys of the metadata_props that MLNetMixture's exporters write into a model (read them back with
/// <c>OnnxScorer.Metadata</c> in MLNetMixture.Transforms). Lists are JSON arrays of strings or numbers; numbers are written
/// with the invariant culture and round-trip to the same float32.
/// </summary>
public static class OnnxMetadataKeys
{
    /// <summary>The producer's name (also in the model's producer_name field).</summary>
    public const string Producer = "producer";

    /// <summary>The version of the MLNetMixture library that exported the model.</summary>
    public const string LibraryVersion = "library_version";

    /// <summary>What the model is, e.g. <see cref="MixtureOfExpertsOnnxExporter.ModelKind"/>.</summary>
    public const string ModelKind = "model_kind";

    /// <summary>The input features in column order, as a JSON array of strings.</summary>
    public const string FeatureNames = "feature_names";

    /// <summary>The class labels of a classifier, as a JSON array of strings; a predicted label is an index into it.</summary>
    public const string ClassLabels = "class_labels";

    /// <summary>"true" when the graph standardises its input features itself, else "false".</summary>
    public const string Standardized = "standardized";

    /// <summary>The per-feature means subtracted by the in-graph standardisation, as a JSON array (only when standardised).</summary>
    public const string StandardizationMean = "standardization_mean";

    /// <summary>The per-feature inverse standard deviations the in-graph standardisation multiplies by, as a JSON array (only when standardised).</summary>
    public const string StandardizationInverseStd = "standardization_inv_std";

    /// <summary>A mixture-of-experts classifier's gate mode: a <see cref="MixtureOfExpertsGateMode"/> name.</summary>
    public const string GateMode = "gate_mode";

    /// <summary>The number of experts K of a mixture-of-experts classifier.</summary>
    public const string Experts = "experts";

    /// <summary>Where a Gumbel-softmax gate gets its uniforms: a <see cref="GumbelUniformsSource"/> name.</summary>
    public const string GumbelUniforms = "gumbel_uniforms";

    /// <summary>The floor a Gumbel-softmax gate raises its temperature input to.</summary>
    public const string GumbelMinimumTemperature = "gumbel_minimum_temperature";

    /// <summary>The seed of in-graph random draws, when one was given.</summary>
    public const string RandomSeed = "random_seed";

    /// <summary>The data dimension D of a density model (the features of a row, the columns of a sample).</summary>
    public const string Dimension = "dimension";

    /// <summary>The number of mixture components K of a mixture-density flow's base distribution.</summary>
    public const string Components = "components";

    /// <summary>
    /// The layers of a flow in the data-to-latent order, as a JSON array of kinds (the layer's type name without its
    /// "Layer" suffix, e.g. "AffineCoupling", "RationalQuadraticSplineCoupling", "ActNorm").
    /// </summary>
    public const string FlowLayers = "flow_layers";

    /// <summary>What an exported flow computes: a <see cref="MixtureDensityFlowOnnxExportMode"/> name.</summary>
    public const string ExportMode = "export_mode";

    /// <summary>"true" when a flow density graph has the static one-row shapes of <see cref="MixtureDensityFlowOnnxExportOptions.SingleRow"/>; absent otherwise.</summary>
    public const string SingleRow = "single_row";

    /// <summary>Where an exported sampler gets its noise: a <see cref="FlowSamplingNoiseSource"/> name.</summary>
    public const string SamplingNoise = "sampling_noise";

    /// <summary>The Gumbel-softmax temperature an exported sampler selects its component with (after the floor).</summary>
    public const string SamplingTemperature = "sampling_temperature";

    /// <summary>"true" when an exported sampler selects its component with the straight-through one-hot (exact draws), else "false".</summary>
    public const string SamplingStraightThrough = "sampling_straight_through";
}
