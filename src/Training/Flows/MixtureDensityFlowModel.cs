using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Persistence;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A fitted mixture-density flow (from <see cref="Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> or <see cref="Load(string)"/>):
/// log-densities, component posteriors, exact samples, a Monte-Carlo entropy, a scoring transform, and a model
/// file that reloads to bit-identical log-densities.
/// </summary>
/// <remarks>
/// <para>
/// <b>Units.</b> <see cref="LogDensity(FeatureTable)"/> is the log-density of the rows as given, in nats: it
/// includes the Jacobian of the model's standardisation, <c>log p(x) = log p(u) - Σ_d log std_d</c>, so it is a
/// proper density over the original features (comparable across models and integrating to 1).
/// <see cref="StandardizedLogDensity(FeatureTable)"/> is <c>log p(u)</c> of the standardised rows, without that
/// constant: the convention of the MAF/NSF tables when the data were standardised before modelling.
/// </para>
/// <para>
/// <b>Columns.</b> Scoring tables are matched to the model's features by column name (extra columns are ignored);
/// a table without those names but with exactly as many columns is read by position. A row with a NaN or infinite
/// feature scores NaN; other rows are unaffected.
/// </para>
/// <para>Scoring runs in batches of <see cref="BatchSize"/> rows on <see cref="Threads"/> threads, without gradients.
/// Calls may run concurrently.</para>
/// </remarks>
public sealed partial class MixtureDensityFlowModel
{
    /// <summary>The model kind in model files.</summary>
    public const string ModelKind = "MixtureDensityFlow";

    /// <summary>The name of the log-density column <see cref="Transform"/> adds.</summary>
    public const string LogDensityColumn = "LogDensity";

    /// <summary>The prefix of the posterior columns <see cref="Transform"/> adds: <c>ComponentPosterior.0</c> … <c>ComponentPosterior.{K-1}</c>.</summary>
    public const string ComponentPosteriorColumnPrefix = "ComponentPosterior";

    private readonly string[] _featureNames;
    private MixtureDensityFlowInference _inference;
    private int _threads;

    internal MixtureDensityFlowModel(MixtureDensityFlow model, MixtureDensityFlowArchitecture architecture, IReadOnlyList<string> featureNames, TrainingResult? training)
    {
        Model = model;
        Architecture = architecture;
        _featureNames = [.. featureNames];
        Training = training;
        _inference = new MixtureDensityFlowInference(model, 0, BatchSize);
    }

    /// <summary>The underlying model (standardiser, flow layers, mixture base).</summary>
    public MixtureDensityFlow Model { get; }

    /// <summary>The architecture the model was built from (stored in the model file).</summary>
    public MixtureDensityFlowArchitecture Architecture { get; }

    /// <summary>The modelled feature columns, in model order.</summary>
    public IReadOnlyList<string> FeatureNames => _featureNames;

    /// <summary>The number of features D.</summary>
    public int Dimension => Model.Dimension;

    /// <summary>The number of base components K.</summary>
    public int Components => Model.Components;

    /// <summary>How training went (epochs, best epoch, per-epoch history), or null for a loaded model.</summary>
    public TrainingResult? Training { get; }

    /// <summary>The settings the model was fitted with (stored in the model file), or null for models built otherwise.</summary>
    public MixtureDensityFlowOptions? Settings { get; init; }

    /// <summary>The settings search that chose <see cref="Settings"/> (<see cref="MixtureDensityFlowOptions.TuningBudget"/>), or null when there was none.</summary>
    public TuningReport<MixtureDensityFlowOptions>? Tuning { get; private set; }

    /// <summary>Rows per scoring batch (<see cref="MixtureDensityFlowInference.DefaultBatchSize"/>); results do not depend on it.</summary>
    public int BatchSize => MixtureDensityFlowInference.DefaultBatchSize;

    /// <summary>Threads for scoring and sampling; 0 (the default) uses every core. Results do not depend on it.</summary>
    public int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _threads = value;
            _inference = new MixtureDensityFlowInference(Model, value, BatchSize);
        }
    }

    /// <summary>log p(x) of each row in nats, of the data as given (the standardisation's Jacobian included).</summary>
    /// <param name="data">Rows with the model's feature columns.</param>
    public float[] LogDensity(FeatureTable data) => Score(data, includeStandardization: true);

    /// <summary>log p(x) of each row of a row-major matrix [N, D] in the model's feature order (Jacobian included).</summary>
    /// <param name="rows">N × D values.</param>
    public float[] LogDensity(ReadOnlyMemory<float> rows) => Score(rows, includeStandardization: true);

    /// <summary>
    /// log p(u) of each row's standardised form u = (x - mean) / std, without the standardisation's Jacobian (the
    /// MAF/NSF reporting convention for pre-standardised data). Equals <see cref="LogDensity(FeatureTable)"/> when
    /// the model does not standardise.
    /// </summary>
    /// <param name="data">Rows with the model's feature columns.</param>
    public float[] StandardizedLogDensity(FeatureTable data) => Score(data, includeStandardization: false);

    /// <summary>The posterior p(k | x) over the K base components of each row: which mode the row belongs to. Rows sum to 1.</summary>
    /// <param name="data">Rows with the model's feature columns.</param>
    /// <returns>[N, K].</returns>
    public float[,] ComponentPosterior(FeatureTable data)
    {
        var rows = Rows(data);
        int n = rows.Length / Dimension, k = Components;
        var posterior = new float[n * k];
        _inference.LogDensityAndPosterior(rows, new float[n], posterior);
        var result = new float[n, k];
        Buffer.BlockCopy(posterior, 0, result, 0, posterior.Length * sizeof(float));
        return result;
    }

    /// <summary>Exact samples from the model, in data units, with the model's feature names.</summary>
    /// <param name="count">The number of rows.</param>
    /// <param name="seed">The same seed gives the same rows on any thread count.</param>
    public FeatureTable Sample(int count, ulong seed = 1) => SampleWithLogDensity(count, seed).Samples;

    /// <summary>Exact samples and their log-densities (data units, the same value <see cref="LogDensity(FeatureTable)"/> gives up to rounding).</summary>
    /// <param name="count">The number of rows.</param>
    /// <param name="seed">The same seed gives the same rows on any thread count.</param>
    public (FeatureTable Samples, float[] LogDensity) SampleWithLogDensity(int count, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var samples = new float[(long)count * Dimension];
        var logDensity = new float[count];
        _inference.Sample(new RandomSource(seed), samples, logDensity);
        return (new FeatureTable(samples, count, _featureNames, null, $"{count} samples from {ModelKind}"), logDensity);
    }

    /// <summary>
    /// The model's differential entropy <c>H = -E[log p(x)]</c> in nats (data units), estimated from its own
    /// samples, with the Monte-Carlo standard error.
    /// </summary>
    /// <param name="samples">The number of samples (at least 2).</param>
    /// <param name="seed">The sampling seed.</param>
    public EntropyEstimate Entropy(int samples = 10000, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        var (_, logDensity) = SampleWithLogDensity(samples, seed);
        double mean = 0;
        foreach (float v in logDensity)
        {
            mean += v;
        }

        mean /= samples;
        double squares = 0;
        foreach (float v in logDensity)
        {
            squares += (v - mean) * (v - mean);
        }

        double standardDeviation = Math.Sqrt(squares / (samples - 1));
        return new EntropyEstimate(-mean, standardDeviation / Math.Sqrt(samples), samples);
    }

    /// <summary>
    /// The input table with <see cref="LogDensityColumn"/> (as <see cref="LogDensity(FeatureTable)"/>) and, for each
    /// base component k, <c>ComponentPosterior.k</c> appended; labels are kept.
    /// </summary>
    /// <param name="data">Rows with the model's feature columns (other columns are carried along).</param>
    public FeatureTable Transform(FeatureTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rows = Rows(data);
        int n = data.Rows, k = Components, c = data.Columns, width = c + 1 + k;
        var logDensity = new float[n];
        var posterior = new float[n * k];
        _inference.LogDensityAndPosterior(rows, logDensity, posterior);
        var values = new float[(long)n * width];
        for (int r = 0; r < n; r++)
        {
            var target = values.AsSpan(r * width, width);
            data.Row(r).CopyTo(target);
            target[c] = logDensity[r];
            posterior.AsSpan(r * k, k).CopyTo(target[(c + 1)..]);
        }

        var names = data.FeatureNames
            .Append(LogDensityColumn)
            .Concat(Enumerable.Range(0, k).Select(i => string.Create(CultureInfo.InvariantCulture, $"{ComponentPosteriorColumnPrefix}.{i}")))
            .ToArray();
        return new FeatureTable(values, n, names, data.Labels, data.Source);
    }

    /// <summary>Saves the model (architecture, feature names, every parameter including the standardiser and frozen ones) atomically.</summary>
    /// <param name="path">The file; replaced if it exists.</param>
    public void Save(string path) => ModelFile.Save(path, ModelKind, Configuration(), Tensors());

    /// <summary>Writes the model file to a stream.</summary>
    /// <param name="stream">A writable stream.</param>
    public void Save(Stream stream) => ModelFile.Write(stream, ModelKind, Configuration(), Tensors());

    /// <summary>Loads a model saved by <see cref="Save(string)"/>; it scores bit-identically to the saved one.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="ModelFileException">The file is not a mixture-density flow, was written by a newer version, or is corrupt.</exception>
    public static MixtureDensityFlowModel Load(string path) => FromContents(ModelFile.Load(path, ModelKind), path);

    /// <summary>Loads a model from a stream.</summary>
    /// <param name="stream">A readable stream holding a model file.</param>
    /// <exception cref="ModelFileException">The file is not a mixture-density flow, was written by a newer version, or is corrupt.</exception>
    public static MixtureDensityFlowModel Load(Stream stream) => FromContents(ModelFile.Read(stream, ModelKind), "model stream");

    private float[] Score(FeatureTable data, bool includeStandardization) => Score(Rows(data), includeStandardization);

    private float[] Score(ReadOnlyMemory<float> rows, bool includeStandardization)
    {
        if (rows.Length % Dimension != 0)
        {
            throw new ArgumentException($"Expected rows of {Dimension} features (the model's); {rows.Length} values are not a whole number of rows.", nameof(rows));
        }

        var result = new float[rows.Length / Dimension];
        _inference.LogDensity(rows, result, includeStandardization);
        return result;
    }

    private float[] Rows(FeatureTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var columns = FeatureColumnSelection.Resolve(data, _featureNames, "The data to score", allowPositional: true);
        return FeatureColumnSelection.Extract(data, columns, requireFinite: false, "The data to score");
    }

    private JsonObject Configuration()
    {
        var configuration = new JsonObject
        {
            ["featureNames"] = new JsonArray(_featureNames.Select(n => (JsonNode?)n).ToArray()),
            ["architecture"] = SettingsJson.Write(Architecture, SettingsJsonContext.Default.MixtureDensityFlowArchitecture),
        };
        if (Settings is not null)
        {
            configuration["settings"] = SettingsJson.Write(Settings, SettingsJsonContext.Default.MixtureDensityFlowOptions);
        }

        if (Training is { } t)
        {
            var training = new JsonObject
            {
                ["epochsRun"] = t.EpochsRun,
                ["bestEpoch"] = t.BestEpoch,
                ["stoppedEarly"] = t.StoppedEarly,
                ["cancelled"] = t.Cancelled,
            };
            if (t.BestValidation is double v)
            {
                training["bestValidationLogLikelihood"] = v;
            }

            configuration["training"] = training;
        }

        return configuration;
    }

    private IEnumerable<ModelFileTensor> Tensors() =>
        Model.Parameters.Select(p => new ModelFileTensor(p.Name, p.Value.ShapeArray(), p.Value.ToArray()));

    private static MixtureDensityFlowModel FromContents(ModelFileContents contents, string source)
    {
        MixtureDensityFlowArchitecture architecture;
        MixtureDensityFlowOptions? settings;
        string[] featureNames;
        try
        {
            var configuration = contents.Configuration;
            featureNames = (configuration["featureNames"] as JsonArray ?? throw new ModelFileException($"'{source}' is corrupt: the configuration has no feature names."))
                .Select(n => (n ?? throw new ModelFileException($"'{source}' is corrupt: a feature name in the configuration is null.")).GetValue<string>())
                .ToArray();
            architecture = SettingsJson.Read(configuration, "architecture", SettingsJsonContext.Default.MixtureDensityFlowArchitecture, source)
                ?? throw new ModelFileException($"'{source}' is corrupt: the configuration has no architecture.");
            architecture.Validate();
            settings = SettingsJson.Read(configuration, "settings", SettingsJsonContext.Default.MixtureDensityFlowOptions, source);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFileException($"'{source}' is corrupt: its {ModelKind} configuration is invalid ({e.Message}).", e);
        }

        if (featureNames.Length != architecture.Dimension)
        {
            throw new ModelFileException($"'{source}' is corrupt: it names {featureNames.Length} features but the architecture has {architecture.Dimension}.");
        }

        var model = architecture.Build(new RandomSource(0));
        var expected = model.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unexpected = contents.Tensors.Select(t => t.Name).Where(n => !expected.Contains(n)).ToList();
        if (unexpected.Count > 0)
        {
            throw new ModelFileException($"'{source}' is corrupt: it holds tensors the architecture does not have ({string.Join(", ", unexpected.Take(5))}).");
        }

        foreach (var p in model.Parameters)
        {
            var t = contents.Tensor(p.Name);
            if (!t.Shape.AsSpan().SequenceEqual(p.Value.Shape))
            {
                throw new ModelFileException($"'{source}' is corrupt: tensor '{p.Name}' has shape [{string.Join(", ", t.Shape)}]; the architecture needs [{string.Join(", ", p.Value.ShapeArray())}].");
            }

            t.Values.CopyTo(p.Value.Span);
        }

        return new MixtureDensityFlowModel(model, architecture, featureNames, training: null) { Settings = settings };
    }
}
