namespace MLNetMixture.Transforms.Onnx;

/// <summary>
/// Keys of the metadata_props that MLNetMixture's exporters write into a model (read them back with
/// <see cref="Scoring.OnnxScorer.Metadata"/>). Lists are JSON arrays of strings or numbers; numbers are written
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

    /// <summary>The seed of in-graph uniform draws, when one was given.</summary>
    public const string RandomSeed = "random_seed";
}
