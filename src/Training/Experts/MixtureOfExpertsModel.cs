using MLNetMixture.Training.Data;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// A trained mixture-of-experts classifier: standardises the features it was trained on (picked by name from a
/// <see cref="FeatureTable"/>), and gives class probabilities, the predicted label, the gate probabilities and
/// the chosen expert of every row. Made by <see cref="Fit(FeatureTable, MixtureOfExpertsModelOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>
/// or <see cref="Load(string)"/>; immutable and safe to use from several threads.
/// </summary>
/// <remarks>
/// Inference is the soft mixture over all experts by default; <see cref="WithTopK"/> gives a model that
/// routes each row to its k most probable experts only (renormalising their gate weights), evaluated natively
/// and grouped by expert, which is faster for small k and equals the soft mixture for k = K.
/// </remarks>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>Rows scored at a time.</summary>
    private const int ChunkRows = 4096;

    private readonly string[] _classLabels;
    private readonly string[] _featureNames;
    private readonly ClassLabelEncoding _encoding;
    private readonly MixtureOfExpertsModelOptions _options;

    internal MixtureOfExpertsModel(
        MixtureOfExperts model,
        Standardizer standardizer,
        ClassLabelEncoding encoding,
        IReadOnlyList<string> featureNames,
        MixtureOfExpertsModelOptions options,
        TrainingResult? training,
        int? topK)
    {
        Model = model;
        Standardizer = standardizer;
        _encoding = encoding;
        _classLabels = [.. encoding.Labels];
        _featureNames = [.. featureNames];
        _options = options;
        Training = training;
        TopK = topK;
    }

    /// <summary>The class labels, in class-index (and Score column) order; see <see cref="Fit(FeatureTable, MixtureOfExpertsModelOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/> for how they are ordered.</summary>
    public IReadOnlyList<string> ClassLabels => _classLabels;

    /// <summary>The feature columns the model reads, in order.</summary>
    public IReadOnlyList<string> FeatureNames => _featureNames;

    /// <summary>The number of experts K.</summary>
    public int ExpertCount => Model.Experts;

    /// <summary>The top-k routing used by inference, or null for the soft mixture (the default).</summary>
    public int? TopK { get; }

    /// <summary>A copy of the settings the model was trained with (after <see cref="Load(string)"/>, a custom temperature schedule object is not restored).</summary>
    public MixtureOfExpertsModelOptions Options => _options.Clone();

    /// <summary>How training went (epochs, best epoch, early stopping, cancellation, per-epoch reports); null for a loaded model.</summary>
    public TrainingResult? Training { get; }

    /// <summary>The settings search that chose <see cref="Options"/> (<see cref="MixtureOfExpertsModelOptions.TuningBudget"/>), or null when there was none.</summary>
    public TuningReport<MixtureOfExpertsModelOptions>? Tuning { get; private set; }

    /// <summary>The underlying model, which works on standardised features.</summary>
    public MixtureOfExperts Model { get; }

    /// <summary>The learned standardisation applied to the features before <see cref="Model"/>.</summary>
    public Standardizer Standardizer { get; }

    /// <summary>Threads for matrix products in prediction; 0 uses every core.</summary>
    public int Threads => _options.Threads;

    /// <summary>
    /// This model with top-k routing at inference (<paramref name="topK"/> from 1 to K), or the soft mixture for null.
    /// The parameters are shared, not copied.
    /// </summary>
    public MixtureOfExpertsModel WithTopK(int? topK)
    {
        if (topK is int k && (k < 1 || k > ExpertCount))
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"Top-k routing needs 1 <= k <= {ExpertCount} (the number of experts), or null for the soft mixture.");
        }

        return new MixtureOfExpertsModel(Model, Standardizer, _encoding, _featureNames, _options, Training, topK);
    }

    /// <summary>Scores every row of <paramref name="table"/>; its feature columns are picked by name, other columns are ignored.</summary>
    public MixtureOfExpertsScores Transform(FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rows == 0)
        {
            throw new ArgumentException($"The table {table.Source} has no rows to score.", nameof(table));
        }

        return Score(FeatureMatrix.FromTable(table, _featureNames, "table"), table.Rows);
    }

    /// <summary>Scores row-major features, <see cref="FeatureNames"/>.Count values per row in that order.</summary>
    public MixtureOfExpertsScores Transform(ReadOnlySpan<float> rows)
    {
        var values = FeatureMatrix.FromRows(rows, _featureNames);
        return Score(values, values.Length / _featureNames.Length);
    }

    /// <summary>Every row's prediction for a table.</summary>
    public IReadOnlyList<MixtureOfExpertsPrediction> Predict(FeatureTable table) => Transform(table).ToPredictions();

    /// <summary>Every row's prediction for row-major features, <see cref="FeatureNames"/>.Count values per row.</summary>
    public IReadOnlyList<MixtureOfExpertsPrediction> Predict(ReadOnlySpan<float> rows) => Transform(rows).ToPredictions();

    /// <summary>The prediction for one row of exactly <see cref="FeatureNames"/>.Count features.</summary>
    public MixtureOfExpertsPrediction PredictRow(ReadOnlySpan<float> features)
    {
        if (features.Length != _featureNames.Length)
        {
            throw new ArgumentException($"Expected {_featureNames.Length} features ({FeatureMatrix.Names(_featureNames)}); found {features.Length}.", nameof(features));
        }

        return Transform(features).Prediction(0);
    }

    /// <summary>
    /// Scores a labelled table and compares with its labels: accuracy, macro-F1, log-loss, the confusion matrix and
    /// the experts' utilisation and accuracy. A label the model was not trained on is an error that names it.
    /// </summary>
    public MixtureOfExpertsMetrics Evaluate(FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Labels is null)
        {
            throw new ArgumentException($"The evaluation table {table.Source} has no labels; read it with its label column.", nameof(table));
        }

        var actual = _encoding.Encode(table, "evaluation table");
        var scores = Transform(table);
        return MixtureOfExpertsEvaluation.Compute(scores, actual, TopK);
    }

    private MixtureOfExpertsScores Score(float[] values, int rows)
    {
        Standardizer.Apply(values);
        int d = _featureNames.Length, c = _classLabels.Length, k = ExpertCount;
        var scores = new float[rows * c];
        var gate = new float[rows * k];

        // In chunks, so that the soft mixture's [rows, K, C] intermediates stay small whatever the table size.
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, rows - start);
            var features = n == rows ? new Tensor(values, n, d) : Tensor.FromValues(values.AsSpan(start * d, n * d), n, d);
            var predictions = TopK is int top ? Model.PredictTopK(features, top, Threads) : Model.Predict(features, Threads);
            predictions.Probabilities.Span.CopyTo(scores.AsSpan(start * c, n * c));
            predictions.GateProbabilities.Span.CopyTo(gate.AsSpan(start * k, n * k));
        }

        return new MixtureOfExpertsScores(scores, gate, rows, _classLabels, k);
    }
}
