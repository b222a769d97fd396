using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Persistence;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <content>Saving and loading through the shared <see cref="ModelFile"/>.</content>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>The model kind in the file header.</summary>
    public const string ModelKind = "MixtureOfExperts";

    private const string StandardizerName = "standardizer";

    /// <summary>
    /// Saves the model atomically to <paramref name="path"/>: a <see cref="ModelFile"/> of kind
    /// <see cref="ModelKind"/> whose configuration holds the architecture, the training settings, the class labels
    /// and the feature names, and whose tensors are every parameter, the standardisation included.
    /// </summary>
    public void Save(string path) => ModelFile.Save(path, ModelKind, Configuration(), Tensors());

    /// <summary>Writes the model file to a stream.</summary>
    public void Save(Stream stream) => ModelFile.Write(stream, ModelKind, Configuration(), Tensors());

    /// <summary>Loads a model saved by <see cref="Save(string)"/>; it predicts exactly what the saved model did (soft routing).</summary>
    /// <exception cref="ModelFileException">The file is not a mixture-of-experts model, was written by a newer version, or is corrupt.</exception>
    public static MixtureOfExpertsModel Load(string path) => FromContents(ModelFile.Load(path, ModelKind), path);

    /// <summary>Loads a model from a stream; <paramref name="sourceName"/> is used in error messages.</summary>
    public static MixtureOfExpertsModel Load(Stream stream, string sourceName = "model stream") => FromContents(ModelFile.Read(stream, ModelKind, sourceName), sourceName);

    private JsonObject Configuration()
    {
        var configuration = new JsonObject
        {
            ["inputs"] = Model.Inputs,
            ["classes"] = Model.Classes,
            ["settings"] = SettingsJson.Write(_options, SettingsJsonContext.Default.MixtureOfExpertsModelOptions),
            ["labels"] = new JsonArray(_classLabels.Select(l => (JsonNode?)l).ToArray()),
            ["labelOrder"] = "sorted (numeric when every label is an integer, otherwise ordinal)",
            ["featureNames"] = new JsonArray(_featureNames.Select(f => (JsonNode?)f).ToArray()),
        };
        if (Training is { } t)
        {
            configuration["training"] = new JsonObject
            {
                ["epochsRun"] = t.EpochsRun,
                ["steps"] = t.Steps,
                ["bestEpoch"] = t.BestEpoch,
                ["bestValidation"] = t.BestValidation,
                ["stoppedEarly"] = t.StoppedEarly,
                ["cancelled"] = t.Cancelled,
            };
        }

        return configuration;
    }

    private IEnumerable<ModelFileTensor> Tensors() =>
        Standardizer.Parameters.Concat(Model.Parameters).Select(p => new ModelFileTensor(p.Name, p.Value.ShapeArray(), p.Value.ToArray()));

    private static MixtureOfExpertsModel FromContents(ModelFileContents contents, string source)
    {
        var configuration = contents.Configuration;
        try
        {
            var labels = Node<JsonArray>(configuration, "labels", source).Select(n => StringOf(n, "labels", source)).ToArray();
            var featureNames = Node<JsonArray>(configuration, "featureNames", source).Select(n => StringOf(n, "featureNames", source)).ToArray();

            // Files of the first layout keep the network shape under "architecture" and no settings record.
            var legacy = configuration["architecture"] as JsonObject;
            int inputs = Get<int>(legacy ?? configuration, "inputs", source);
            int classes = Get<int>(legacy ?? configuration, "classes", source);
            var options = SettingsJson.Read(configuration, "settings", SettingsJsonContext.Default.MixtureOfExpertsModelOptions, source)
                ?? new MixtureOfExpertsModelOptions { Architecture = SettingsJson.Read(configuration, "architecture", SettingsJsonContext.Default.MixtureOfExpertsArchitecture, source) ?? throw new ModelFileException($"'{source}' is corrupt: its configuration has no settings.") };
            options.FeatureColumns = featureNames;
            options.Validate();
            if (featureNames.Length != inputs || labels.Length != classes || classes < 1)
            {
                throw new ModelFileException($"'{source}' is corrupt: {inputs} inputs with {featureNames.Length} feature names, {classes} classes with {labels.Length} labels.");
            }

            var encoding = new ClassLabelEncoding(labels);
            if (!encoding.Labels.SequenceEqual(labels, StringComparer.Ordinal))
            {
                throw new ModelFileException($"'{source}' is corrupt: its class labels are not distinct and in sorted order.");
            }

            var model = new MixtureOfExperts(inputs, classes, options.Architecture, options.Seed);
            var standardizer = new Standardizer(StandardizerName, inputs);
            foreach (var parameter in standardizer.Parameters.Concat(model.Parameters))
            {
                Restore(parameter, contents, source);
            }

            return new MixtureOfExpertsModel(model, standardizer, encoding, featureNames, options, training: null, topK: null);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFileException($"'{source}' is corrupt: its mixture-of-experts configuration cannot be read ({e.Message}).", e);
        }
    }

    private static void Restore(Parameter parameter, ModelFileContents contents, string source)
    {
        var stored = contents.Tensor(parameter.Name);
        if (!stored.Shape.SequenceEqual(parameter.Value.ShapeArray()))
        {
            throw new ModelFileException($"'{source}' is corrupt: tensor '{parameter.Name}' has shape [{string.Join(", ", stored.Shape)}]; the architecture needs [{string.Join(", ", parameter.Value.ShapeArray())}].");
        }

        stored.Values.AsSpan().CopyTo(parameter.Value.Span);
    }

    private static TValue Get<TValue>(JsonObject o, string key, string source) => Node<JsonValue>(o, key, source).GetValue<TValue>();

    private static T Node<T>(JsonObject o, string key, string source)
        where T : JsonNode => o[key] as T ?? throw new ModelFileException($"'{source}' is corrupt: its configuration has no valid '{key}'.");

    private static string StringOf(JsonNode? node, string key, string source) =>
        (node as JsonValue ?? throw new ModelFileException($"'{source}' is corrupt: an entry of '{key}' is not a string.")).GetValue<string>();
}
