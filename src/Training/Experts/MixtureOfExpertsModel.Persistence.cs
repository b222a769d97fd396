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
        var o = _options;
        var architecture = new JsonObject
        {
            ["inputs"] = Model.Inputs,
            ["classes"] = Model.Classes,
            ["experts"] = Model.Experts,
            ["gateHiddenSizes"] = IntArray(Model.Options.GateHiddenSizes),
            ["expertHiddenSizes"] = IntArray(Model.Options.ExpertHiddenSizes),
            ["activation"] = Model.Options.Activation.ToString(),
        };
        var options = new JsonObject
        {
            ["objective"] = o.Objective.ToString(),
            ["initialTemperature"] = o.InitialTemperature,
            ["minimumTemperature"] = o.MinimumTemperature,
            ["temperatureReachedAtFraction"] = o.TemperatureReachedAtFraction,
            ["temperatureUpdates"] = o.TemperatureUpdates,
            ["temperatureSchedule"] = o.TemperatureSchedule?.ToString(),
            ["loadBalancingWeight"] = o.LoadBalancingWeight,
            ["gateEntropyWeight"] = o.GateEntropyWeight,
            ["epochs"] = o.Epochs,
            ["batchSize"] = o.BatchSize,
            ["learningRate"] = o.LearningRate,
            ["learningRateSchedule"] = o.LearningRateSchedule.ToString(),
            ["weightDecay"] = o.WeightDecay,
            ["earlyStoppingPatience"] = o.EarlyStoppingPatience,
            ["validationFraction"] = o.ValidationFraction,
            ["validationMetric"] = o.ValidationMetric.ToString(),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = o.Threads,
            ["labelColumn"] = o.LabelColumn,
        };
        var configuration = new JsonObject
        {
            ["architecture"] = architecture,
            ["options"] = options,
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
            var architecture = Node<JsonObject>(configuration, "architecture", source);
            var labels = Node<JsonArray>(configuration, "labels", source).Select(n => StringOf(n, "labels", source)).ToArray();
            var featureNames = Node<JsonArray>(configuration, "featureNames", source).Select(n => StringOf(n, "featureNames", source)).ToArray();
            int inputs = Get<int>(architecture, "inputs", source);
            int classes = Get<int>(architecture, "classes", source);
            int experts = Get<int>(architecture, "experts", source);
            if (featureNames.Length != inputs || labels.Length != classes || classes < 1 || experts < 1)
            {
                throw new ModelFileException($"'{source}' is corrupt: {inputs} inputs with {featureNames.Length} feature names, {classes} classes with {labels.Length} labels, {experts} experts.");
            }

            var encoding = new ClassLabelEncoding(labels);
            if (!encoding.Labels.SequenceEqual(labels, StringComparer.Ordinal))
            {
                throw new ModelFileException($"'{source}' is corrupt: its class labels are not distinct and in sorted order.");
            }

            var options = ReadOptions(configuration["options"] as JsonObject, featureNames, source);
            options.Experts = experts;
            options.GateHiddenSizes = IntList(Node<JsonArray>(architecture, "gateHiddenSizes", source), source);
            options.ExpertHiddenSizes = IntList(Node<JsonArray>(architecture, "expertHiddenSizes", source), source);
            options.Activation = Enum.Parse<Activation>(Get<string>(architecture, "activation", source));
            var model = new MixtureOfExperts(new MixtureOfExpertsOptions(inputs, classes, experts)
            {
                GateHiddenSizes = options.GateHiddenSizes,
                ExpertHiddenSizes = options.ExpertHiddenSizes,
                Activation = options.Activation,
            });
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

    private static MixtureOfExpertsModelOptions ReadOptions(JsonObject? o, string[] featureNames, string source)
    {
        var options = new MixtureOfExpertsModelOptions { FeatureColumns = featureNames };
        if (o is null)
        {
            return options;
        }

        options.Objective = Enum.Parse<GateObjective>(Get<string>(o, "objective", source));
        options.InitialTemperature = Get<float>(o, "initialTemperature", source);
        options.MinimumTemperature = Get<float>(o, "minimumTemperature", source);
        options.TemperatureReachedAtFraction = Get<double>(o, "temperatureReachedAtFraction", source);
        options.TemperatureUpdates = Get<int>(o, "temperatureUpdates", source);
        options.LoadBalancingWeight = Get<float>(o, "loadBalancingWeight", source);
        options.GateEntropyWeight = Get<float>(o, "gateEntropyWeight", source);
        options.Epochs = Get<int>(o, "epochs", source);
        options.BatchSize = Get<int>(o, "batchSize", source);
        options.LearningRate = Get<float>(o, "learningRate", source);
        options.LearningRateSchedule = Enum.Parse<LearningRateScheduleKind>(Get<string>(o, "learningRateSchedule", source));
        options.WeightDecay = Get<float>(o, "weightDecay", source);
        options.EarlyStoppingPatience = Get<int>(o, "earlyStoppingPatience", source);
        options.ValidationFraction = Get<double>(o, "validationFraction", source);
        options.ValidationMetric = Enum.Parse<MixtureOfExpertsValidationMetric>(Get<string>(o, "validationMetric", source));
        options.Seed = ulong.Parse(Get<string>(o, "seed", source), CultureInfo.InvariantCulture);
        options.Threads = Get<int>(o, "threads", source);
        options.LabelColumn = Get<string>(o, "labelColumn", source);
        return options;
    }

    private static TValue Get<TValue>(JsonObject o, string key, string source) => Node<JsonValue>(o, key, source).GetValue<TValue>();

    private static T Node<T>(JsonObject o, string key, string source)
        where T : JsonNode => o[key] as T ?? throw new ModelFileException($"'{source}' is corrupt: its configuration has no valid '{key}'.");

    private static JsonArray IntArray(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private static int[] IntList(JsonArray array, string source) => array.Select(n => (n as JsonValue ?? throw new ModelFileException($"'{source}' is corrupt: a hidden size is not a number.")).GetValue<int>()).ToArray();

    private static string StringOf(JsonNode? node, string key, string source) =>
        (node as JsonValue ?? throw new ModelFileException($"'{source}' is corrupt: an entry of '{key}' is not a string.")).GetValue<string>();
}
