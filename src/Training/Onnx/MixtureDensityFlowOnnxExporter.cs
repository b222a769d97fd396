using System.Globalization;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Exports a <see cref="MixtureDensityFlow"/> (its standardiser, every flow layer and the Gaussian-mixture base) as
/// one standalone ONNX model, either a density evaluator or a sampler. The graph is built by running the model's own
/// graph functions (<see cref="MixtureDensityFlow.LogDensityAndPosterior"/>, <see cref="MixtureDensityFlow.Sample"/>)
/// on an <see cref="OnnxGraphBuilder"/>, so it computes what training computes on a <see cref="Tape"/>.
/// </summary>
/// <remarks>
/// <para><see cref="MixtureDensityFlowOnnxExportMode.Density"/>:</para>
/// <list type="bullet">
/// <item><description>Input <see cref="MixtureDensityFlowOnnxExportOptions.FeaturesInputName"/> (default <see cref="FeaturesInput"/>): float32 [N, D] raw features (N dynamic); the graph standardises them when the model has a standardiser.</description></item>
/// <item><description>Output <see cref="LogDensityOutput"/>: float32 [N], log p(x) in the raw feature space (the standardisation's log-Jacobian included).</description></item>
/// <item><description>Output <see cref="ComponentPosteriorOutput"/>: float32 [N, K], p(k | x), the posterior over the base's components of the row's latent point.</description></item>
/// <item><description>Output <see cref="ComponentOutput"/> (unless <see cref="MixtureDensityFlowOnnxExportOptions.IncludeComponentOutput"/> is false): int64 [N], the arg-max of the posterior, the first on ties.</description></item>
/// </list>
/// <para>With <see cref="MixtureDensityFlowOnnxExportOptions.SingleRow"/>, N is fixed to 1 and ComponentPosterior is [K].</para>
/// <para><see cref="MixtureDensityFlowOnnxExportMode.Sampling"/>:</para>
/// <list type="bullet">
/// <item><description>
/// Inputs, with <see cref="FlowSamplingNoiseSource.GraphInputs"/>: <see cref="ComponentUniformsInput"/> float32 [N, K],
/// uniforms in (0, 1) (clamped to [2^-24, 1 - 2^-24] in the graph before the Gumbel transform -log(-log u)), and
/// <see cref="NormalsInput"/> float32 [N, D], standard normal draws. With <see cref="FlowSamplingNoiseSource.InGraph"/>:
/// only <see cref="SampleRowsInput"/> float32 [N, 1], whose values are ignored; it says how many draws to make, and
/// the uniforms and normals are drawn inside the graph on every run.
/// </description></item>
/// <item><description>Output <see cref="SamplesOutput"/>: float32 [N, D], draws in the raw feature space.</description></item>
/// <item><description>Output <see cref="LogDensityOutput"/>: float32 [N], the model's log-density of each draw (the exact mixture density of its base point minus the log-Jacobian of the sampling map).</description></item>
/// </list>
/// <para>
/// The component is selected from the uniforms by Gumbel-softmax at the temperature fixed at export time
/// (<see cref="MixtureDensityFlowOnnxExportOptions.SamplingTemperature"/>); by default with the straight-through
/// one-hot, whose forward value is the Gumbel-max draw, so every sample is an exact draw from the model.
/// </para>
/// <para>
/// The metadata_props hold, under the keys of <see cref="OnnxMetadataKeys"/>: <c>producer</c>,
/// <c>library_version</c>, <c>model_kind</c> (<see cref="ModelKind"/>), <c>feature_names</c> (the features of a
/// density input or the columns of a sample), <c>standardized</c> and, when standardised,
/// <c>standardization_mean</c> and <c>standardization_inv_std</c>; <c>export_mode</c>, <c>dimension</c> (D),
/// <c>components</c> (K), <c>flow_layers</c> (JSON array of layer kinds), <c>single_row</c> (only when true); a sampler adds <c>sampling_noise</c>,
/// <c>sampling_temperature</c>, <c>sampling_straight_through</c> and, if seeded, <c>random_seed</c>.
/// </para>
/// </remarks>
public sealed class MixtureDensityFlowOnnxExporter
{
    /// <summary>The <see cref="OnnxMetadataKeys.ModelKind"/> of the exported models.</summary>
    public const string ModelKind = "MixtureDensityFlow";

    /// <summary>
    /// The largest seed accepted for in-graph draws, 2^24 - 2: seeds are whole numbers that a float32 holds exactly,
    /// together with the normals' seed (one more).
    /// </summary>
    public const float MaximumRandomSeed = 16_777_214f;

    /// <summary>The name of the features input of a density model.</summary>
    public const string FeaturesInput = OnnxExportConventions.FeaturesInput;

    /// <summary>The name of a sampler's uniforms input [N, K] (graph-input noise).</summary>
    public const string ComponentUniformsInput = "ComponentUniforms";

    /// <summary>The name of a sampler's standard normals input [N, D] (graph-input noise).</summary>
    public const string NormalsInput = "Normals";

    /// <summary>The name of a sampler's row-count input [N, 1] (in-graph noise); its values are ignored.</summary>
    public const string SampleRowsInput = "SampleRows";

    /// <summary>The name of the log-density output [N].</summary>
    public const string LogDensityOutput = "LogDensity";

    /// <summary>The name of a density model's component-posterior output [N, K].</summary>
    public const string ComponentPosteriorOutput = "ComponentPosterior";

    /// <summary>The name of a density model's most probable component output, int64 [N].</summary>
    public const string ComponentOutput = "Component";

    /// <summary>The name of a sampler's samples output [N, D].</summary>
    public const string SamplesOutput = "Samples";

    /// <summary>Creates an exporter.</summary>
    /// <param name="options">The export options; null uses the defaults (opset 17, density).</param>
    public MixtureDensityFlowOnnxExporter(MixtureDensityFlowOnnxExportOptions? options = null)
    {
        options ??= new MixtureDensityFlowOnnxExportOptions();
        if (options.Opset is < OnnxGraphBuilder.MinimumOpset or > OnnxGraphBuilder.MaximumOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, $"Supported ONNX opsets are {OnnxGraphBuilder.MinimumOpset} to {OnnxGraphBuilder.MaximumOpset}.");
        }

        if (!Enum.IsDefined(options.Mode) || !Enum.IsDefined(options.SamplingNoise))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Unknown export mode {options.Mode} or noise source {options.SamplingNoise}.");
        }

        if (!(options.SamplingTemperature > 0f) || !float.IsFinite(options.SamplingTemperature))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SamplingTemperature, "The sampling temperature must be positive and finite.");
        }

        if (options.RandomSeed is { } seed && !(seed >= 0f && seed <= MaximumRandomSeed && seed == MathF.Floor(seed)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), seed, $"The random seed must be a whole number from 0 to {MaximumRandomSeed}.");
        }

        if (options.SingleRow && options.Mode != MixtureDensityFlowOnnxExportMode.Density)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "SingleRow shapes exist for density graphs only; a sampler draws N rows per run.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProducerName, nameof(options) + "." + nameof(options.ProducerName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FeaturesInputName, nameof(options) + "." + nameof(options.FeaturesInputName));
        Options = options;
    }

    /// <summary>The export options.</summary>
    public MixtureDensityFlowOnnxExportOptions Options { get; }

    /// <summary>The serialized ONNX model.</summary>
    /// <param name="model">The flow, with its standardiser and base.</param>
    /// <param name="featureNames">One name per feature (D, distinct), in column order.</param>
    public byte[] ToBytes(MixtureDensityFlow model, IReadOnlyList<string> featureNames)
    {
        var (graph, writer) = Prepare(model, featureNames);
        return writer.ToBytes(graph);
    }

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (see <see cref="OnnxModelWriter.WriteFile"/>).</summary>
    /// <param name="model">The flow, with its standardiser and base.</param>
    /// <param name="featureNames">One name per feature (D, distinct), in column order.</param>
    /// <param name="path">The destination file; its folder must exist. An existing file is replaced.</param>
    public void WriteFile(MixtureDensityFlow model, IReadOnlyList<string> featureNames, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var (graph, writer) = Prepare(model, featureNames);
        writer.WriteFile(graph, path);
    }

    /// <summary>The kinds of the flow's layers in the data-to-latent order, nested sequences flattened (see <see cref="OnnxMetadataKeys.FlowLayers"/>).</summary>
    /// <param name="flow">The flow.</param>
    public static IReadOnlyList<string> LayerKinds(FlowSequence flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var kinds = new List<string>();
        AddKinds(flow, kinds);
        return kinds;

        static void AddKinds(FlowSequence sequence, List<string> kinds)
        {
            foreach (var layer in sequence.Layers)
            {
                if (layer is FlowSequence nested)
                {
                    AddKinds(nested, kinds);
                    continue;
                }

                kinds.Add(layer.Kind);
            }
        }
    }

    /// <summary>The graph alone (inputs, outputs, initializers), for inspection.</summary>
    internal OnnxGraphBuilder BuildGraph(MixtureDensityFlow model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new OnnxGraphBuilder(Options.Opset, ModelKind);
        int d = model.Dimension, k = model.Components;
        if (Options.Mode == MixtureDensityFlowOnnxExportMode.Density)
        {
            var features = graph.AddInput(Options.FeaturesInputName, Options.SingleRow ? 1 : -1, d);
            var (logDensity, posterior) = model.LogDensityAndPosterior(graph, features);
            graph.AddOutput(LogDensityOutput, logDensity);
            graph.AddOutput(ComponentPosteriorOutput, Options.SingleRow ? graph.Reshape(posterior, k) : posterior);
            if (Options.IncludeComponentOutput)
            {
                graph.AddArgMaxOutput(ComponentOutput, posterior);
            }

            return graph;
        }

        Var uniforms, normals;
        if (Options.SamplingNoise == FlowSamplingNoiseSource.GraphInputs)
        {
            uniforms = graph.AddInput(ComponentUniformsInput, -1, k);
            normals = graph.AddInput(NormalsInput, -1, d);
        }
        else
        {
            var rows = graph.AddInput(SampleRowsInput, -1, 1);
            uniforms = graph.RandomUniformLike(graph.RepeatColumn(rows, k), seed: Options.RandomSeed);
            normals = graph.RandomNormalLike(graph.RepeatColumn(rows, d), seed: Options.RandomSeed + 1f);
        }

        var (samples, sampleLogDensity) = model.Sample(graph, uniforms, normals, Options.SamplingTemperature, Options.StraightThrough);
        graph.AddOutput(SamplesOutput, samples);
        graph.AddOutput(LogDensityOutput, sampleLogDensity);
        return graph;
    }

    private (OnnxGraphBuilder Graph, OnnxModelWriter Writer) Prepare(MixtureDensityFlow model, IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxExportConventions.CheckNames(featureNames, model.Dimension, "feature names", nameof(featureNames));
        OnnxExportConventions.CheckStandardizer(model.Standardizer, model.Dimension, nameof(model));
        var graph = BuildGraph(model);
        var writer = OnnxExportConventions.CreateWriter(Options.ProducerName, Options.ProducerVersion, Options.Description, ModelKind, featureNames, model.Standardizer);
        var metadata = writer.Metadata;
        metadata[OnnxMetadataKeys.ExportMode] = Options.Mode.ToString();
        if (Options.SingleRow)
        {
            metadata[OnnxMetadataKeys.SingleRow] = "true";
        }

        metadata[OnnxMetadataKeys.Dimension] = model.Dimension.ToString(CultureInfo.InvariantCulture);
        metadata[OnnxMetadataKeys.Components] = model.Components.ToString(CultureInfo.InvariantCulture);
        metadata[OnnxMetadataKeys.FlowLayers] = OnnxExportConventions.JsonArray(LayerKinds(model.Flow));
        if (Options.Mode == MixtureDensityFlowOnnxExportMode.Sampling)
        {
            metadata[OnnxMetadataKeys.SamplingNoise] = Options.SamplingNoise.ToString();
            metadata[OnnxMetadataKeys.SamplingTemperature] = GumbelSoftmax.EffectiveTemperature(Options.SamplingTemperature).ToString("R", CultureInfo.InvariantCulture);
            metadata[OnnxMetadataKeys.SamplingStraightThrough] = Options.StraightThrough ? "true" : "false";
            if (Options.SamplingNoise == FlowSamplingNoiseSource.InGraph && Options.RandomSeed is { } seed)
            {
                metadata[OnnxMetadataKeys.RandomSeed] = seed.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        return (graph, writer);
    }
}
