using System.Globalization;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Exports a trained <see cref="MixtureOfExperts"/> classifier, with its optional <see cref="Standardizer"/>, as a
/// standalone ONNX model. The graph is built by running the model's own graph functions
/// (<see cref="Flows.ElementwiseAffineLayer.Map"/>, <see cref="MixtureOfExperts.Forward"/>,
/// <see cref="MixtureOfExperts.MixtureLogProbabilities"/>, <see cref="GumbelSoftmax.LogSample(IComputeGraph, Var, Var, Var, float)"/>)
/// on an <see cref="OnnxGraphBuilder"/>, so it computes what training and native scoring compute.
/// </summary>
/// <remarks>
/// <para>Inputs:</para>
/// <list type="bullet">
/// <item><description><see cref="MixtureOfExpertsOnnxExportOptions.FeaturesInputName"/> (default <see cref="FeaturesInput"/>): float32 [N, D] raw features (N dynamic); the graph standardises them.</description></item>
/// <item><description><see cref="TemperatureInput"/> (<see cref="MixtureOfExpertsGateMode.GumbelSoftmax"/> only): the float32 scalar τ, raised to <see cref="MixtureOfExpertsOnnxExportOptions.MinimumTemperature"/> in the graph.</description></item>
/// <item><description><see cref="GateUniformsInput"/> (<see cref="MixtureOfExpertsGateMode.GumbelSoftmax"/> with <see cref="GumbelUniformsSource.GraphInput"/> only): float32 [N, K] uniforms in (0, 1), clamped to [2^-24, 1 - 2^-24] in the graph.</description></item>
/// </list>
/// <para>Outputs:</para>
/// <list type="bullet">
/// <item><description><see cref="ScoreOutput"/>: float32 [N, C] class probabilities p(y|x) under the gate mode.</description></item>
/// <item><description><see cref="PredictedLabelOutput"/>: int64 [N], the arg-max of the score (the first on ties), an index into the class labels.</description></item>
/// <item><description><see cref="GateProbabilitiesOutput"/>: float32 [N, K], the gate's probabilities softmax(gate) (Soft, HardTop1: the full gate, before routing) or the Gumbel-softmax sample z (GumbelSoftmax).</description></item>
/// <item><description><see cref="ExpertOutput"/>: int64 [N], the expert each row is routed to: the arg-max of the gate logits (Soft, HardTop1) or of the sample (GumbelSoftmax), the first on ties.</description></item>
/// </list>
/// <para>
/// The metadata_props hold, under the keys of <see cref="OnnxMetadataKeys"/>: <c>producer</c>,
/// <c>library_version</c>, <c>model_kind</c> (<see cref="ModelKind"/>), <c>feature_names</c> and
/// <c>class_labels</c> (JSON arrays of strings), <c>gate_mode</c>, <c>experts</c> (K), <c>standardized</c> and, when
/// standardised, <c>standardization_mean</c> and <c>standardization_inv_std</c> (JSON arrays of numbers); a
/// Gumbel-softmax gate adds <c>gumbel_uniforms</c>, <c>gumbel_minimum_temperature</c> and, if seeded, <c>random_seed</c>.
/// </para>
/// </remarks>
public sealed class MixtureOfExpertsOnnxExporter
{
    /// <summary>The <see cref="OnnxMetadataKeys.ModelKind"/> of the exported models.</summary>
    public const string ModelKind = "MixtureOfExperts";

    /// <summary>The default name of the features input (<see cref="MixtureOfExpertsOnnxExportOptions.FeaturesInputName"/>).</summary>
    public const string FeaturesInput = OnnxExportConventions.FeaturesInput;

    /// <summary>The name of the temperature input of a Gumbel-softmax gate.</summary>
    public const string TemperatureInput = "Temperature";

    /// <summary>The name of the uniforms input of a Gumbel-softmax gate fed from outside.</summary>
    public const string GateUniformsInput = "GateUniforms";

    /// <summary>The name of the class-probabilities output.</summary>
    public const string ScoreOutput = "Score";

    /// <summary>The name of the predicted-class output.</summary>
    public const string PredictedLabelOutput = "PredictedLabel";

    /// <summary>The name of the gate-probabilities output.</summary>
    public const string GateProbabilitiesOutput = "GateProbabilities";

    /// <summary>The name of the chosen-expert output.</summary>
    public const string ExpertOutput = "Expert";

    /// <summary>Creates an exporter.</summary>
    /// <param name="options">The export options; null uses the defaults (opset 17, soft gate).</param>
    public MixtureOfExpertsOnnxExporter(MixtureOfExpertsOnnxExportOptions? options = null)
    {
        options ??= new MixtureOfExpertsOnnxExportOptions();
        if (options.Opset is < OnnxGraphBuilder.MinimumOpset or > OnnxGraphBuilder.MaximumOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, $"Supported ONNX opsets are {OnnxGraphBuilder.MinimumOpset} to {OnnxGraphBuilder.MaximumOpset}.");
        }

        if (!Enum.IsDefined(options.GateMode) || !Enum.IsDefined(options.GumbelUniforms))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Unknown gate mode {options.GateMode} or uniforms source {options.GumbelUniforms}.");
        }

        if (!(options.MinimumTemperature > 0f) || !float.IsFinite(options.MinimumTemperature))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinimumTemperature, "The minimum temperature must be positive and finite.");
        }

        if (options.RandomSeed is { } seed && !float.IsFinite(seed))
        {
            throw new ArgumentOutOfRangeException(nameof(options), seed, "The random seed must be finite.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProducerName, nameof(options) + "." + nameof(options.ProducerName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FeaturesInputName, nameof(options) + "." + nameof(options.FeaturesInputName));
        Options = options;
    }

    /// <summary>The export options.</summary>
    public MixtureOfExpertsOnnxExportOptions Options { get; }

    /// <summary>The serialized ONNX model.</summary>
    /// <param name="standardizer">The feature standardisation applied before the model, or null for none.</param>
    /// <param name="model">The classifier.</param>
    /// <param name="classLabels">One label per class (C, distinct); <see cref="PredictedLabelOutput"/> indexes into them.</param>
    /// <param name="featureNames">One name per input feature (D, distinct), in column order.</param>
    public byte[] ToBytes(Standardizer? standardizer, MixtureOfExperts model, IReadOnlyList<string> classLabels, IReadOnlyList<string> featureNames)
    {
        var (graph, writer) = Prepare(standardizer, model, classLabels, featureNames);
        return writer.ToBytes(graph);
    }

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (see <see cref="OnnxModelWriter.WriteFile"/>).</summary>
    /// <param name="standardizer">The feature standardisation applied before the model, or null for none.</param>
    /// <param name="model">The classifier.</param>
    /// <param name="classLabels">One label per class (C, distinct); <see cref="PredictedLabelOutput"/> indexes into them.</param>
    /// <param name="featureNames">One name per input feature (D, distinct), in column order.</param>
    /// <param name="path">The destination file; its folder must exist. An existing file is replaced.</param>
    public void WriteFile(Standardizer? standardizer, MixtureOfExperts model, IReadOnlyList<string> classLabels, IReadOnlyList<string> featureNames, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var (graph, writer) = Prepare(standardizer, model, classLabels, featureNames);
        writer.WriteFile(graph, path);
    }

    /// <summary>The graph alone (inputs, outputs, initializers), for inspection.</summary>
    internal OnnxGraphBuilder BuildGraph(Standardizer? standardizer, MixtureOfExperts model)
    {
        var graph = new OnnxGraphBuilder(Options.Opset, ModelKind);
        var outputs = model.Forward(graph, OnnxExportConventions.ModelFeatures(graph, standardizer, model.Inputs, Options.FeaturesInputName));
        Var logWeights, gateProbabilities, routing;
        switch (Options.GateMode)
        {
            case MixtureOfExpertsGateMode.Soft:
                logWeights = outputs.GateLogProbabilities;
                gateProbabilities = graph.Exp(outputs.GateLogProbabilities);
                routing = outputs.GateLogits;
                break;
            case MixtureOfExpertsGateMode.HardTop1:
                // log of the one-hot routing: 0 for the arg-max expert, -infinity (an exact zero weight) for the others.
                logWeights = graph.Log(graph.OneHotArgMax(outputs.GateLogits));
                gateProbabilities = graph.Exp(outputs.GateLogProbabilities);
                routing = outputs.GateLogits;
                break;
            default:
                {
                    var temperature = graph.AddInput(TemperatureInput);
                    var uniforms = Options.GumbelUniforms == GumbelUniformsSource.GraphInput
                        ? graph.AddInput(GateUniformsInput, -1, model.Experts)
                        : graph.RandomUniformLike(outputs.GateLogits, seed: Options.RandomSeed);
                    logWeights = GumbelSoftmax.LogSample(graph, outputs.GateLogits, uniforms, temperature, Options.MinimumTemperature);
                    gateProbabilities = graph.Exp(logWeights);
                    routing = logWeights;
                    break;
                }
        }

        var score = graph.Exp(MixtureOfExperts.MixtureLogProbabilities(graph, logWeights, outputs.ExpertLogProbabilities));
        graph.AddOutput(ScoreOutput, score);
        graph.AddArgMaxOutput(PredictedLabelOutput, score);
        graph.AddOutput(GateProbabilitiesOutput, gateProbabilities);
        graph.AddArgMaxOutput(ExpertOutput, routing);
        return graph;
    }

    private (OnnxGraphBuilder Graph, OnnxModelWriter Writer) Prepare(Standardizer? standardizer, MixtureOfExperts model, IReadOnlyList<string> classLabels, IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxExportConventions.CheckNames(featureNames, model.Inputs, "feature names", nameof(featureNames));
        OnnxExportConventions.CheckNames(classLabels, model.Classes, "class labels", nameof(classLabels));
        OnnxExportConventions.CheckStandardizer(standardizer, model.Inputs, nameof(standardizer));
        var graph = BuildGraph(standardizer, model);
        var writer = OnnxExportConventions.CreateWriter(Options.ProducerName, Options.ProducerVersion, Options.Description, ModelKind, featureNames, standardizer);
        var metadata = writer.Metadata;
        metadata[OnnxMetadataKeys.ClassLabels] = OnnxExportConventions.JsonArray(classLabels);
        metadata[OnnxMetadataKeys.GateMode] = Options.GateMode.ToString();
        metadata[OnnxMetadataKeys.Experts] = model.Experts.ToString(CultureInfo.InvariantCulture);
        if (Options.GateMode == MixtureOfExpertsGateMode.GumbelSoftmax)
        {
            metadata[OnnxMetadataKeys.GumbelUniforms] = Options.GumbelUniforms.ToString();
            metadata[OnnxMetadataKeys.GumbelMinimumTemperature] = Options.MinimumTemperature.ToString("R", CultureInfo.InvariantCulture);
            if (Options.GumbelUniforms == GumbelUniformsSource.RandomUniform && Options.RandomSeed is { } seed)
            {
                metadata[OnnxMetadataKeys.RandomSeed] = seed.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        return (graph, writer);
    }
}
