using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// What <see cref="MinibatchTrainer"/> optimises for a <see cref="MixtureOfExperts"/> classifier: the minibatch
/// loss of a <see cref="GateObjective"/> (with optional load-balancing and gate-entropy terms), the gate
/// temperature schedule of the sampling objectives, and a validation score for early stopping.
/// </summary>
/// <remarks>
/// <para>
/// Features are used exactly as given: standardise them first (e.g. with <see cref="Layers.Standardizer"/>).
/// </para>
/// <para>
/// Temperature: <see cref="GateObjective.GumbelSoftmax"/> and <see cref="GateObjective.StraightThrough"/> follow
/// <see cref="Temperature"/>, built for the trainer's planned number of steps at the first step. Its default
/// gives <c>τ = max(0.5, exp(-r t))</c> updated every N steps with r and N chosen so that τ reaches 0.5 after 80% of
/// the planned steps, however short the run: a fixed per-step rate does not anneal small data sets at all. <see cref="GateObjective.Marginal"/> has no
/// temperature.
/// </para>
/// <para>
/// After each epoch, <see cref="EpochStatistics"/> reports the figures keyed in <see cref="MixtureOfExpertsStatistics"/>:
/// the temperature, validation accuracy and log-loss, and the expert utilisation (routing share per expert,
/// unused experts, mean gate entropy) on the validation rows, or on a fixed sample of at most
/// <see cref="UtilizationSampleRows"/> training rows when there is no validation set.
/// </para>
/// </remarks>
public sealed class MixtureOfExpertsObjective : ITrainingObjective
{
    /// <summary>Validation probabilities are floored at this value before their log is taken.</summary>
    public const double ProbabilityFloor = 1e-15;

    /// <summary>The most training rows the utilisation statistics look at when there is no validation set.</summary>
    public const int UtilizationSampleRows = 2048;

    private readonly Tensor _features;
    private readonly int[] _labels;
    private readonly Tensor? _validationFeatures;
    private readonly int[]? _validationLabels;
    private readonly Lock _partGate = new();
    private readonly Tape _routingTape = new(threads: 1) { RecordGradients = false };
    private Tensor? _batchFeatures;
    private Tensor? _batchRoutedFraction;
    private Tensor?[] _partFeatures = [];
    private int[]?[] _partLabels = [];
    private float[]?[] _partWeights = [];
    private ISchedule? _plannedSchedule;
    private long _plannedFor = -1;
    private float _lastTemperature = float.NaN;
    private ExpertPredictions? _lastValidation;

    /// <summary>Creates the objective.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="features">Standardised training features [N, D].</param>
    /// <param name="labels">One class index in [0, C) per training row.</param>
    /// <param name="options">The gate objective and the auxiliary weights.</param>
    /// <param name="validationFeatures">Standardised validation features [M, D], or null for no validation.</param>
    /// <param name="validationLabels">One class index per validation row (with <paramref name="validationFeatures"/>).</param>
    public MixtureOfExpertsObjective(
        MixtureOfExperts model,
        Tensor features,
        int[] labels,
        MixtureOfExpertsLossOptions options,
        Tensor? validationFeatures = null,
        int[]? validationLabels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        CheckData(model, features, labels, nameof(features));
        if ((validationFeatures is null) != (validationLabels is null))
        {
            throw new ArgumentException("Validation features and validation labels must be given together.", nameof(validationLabels));
        }

        if (validationFeatures is not null)
        {
            CheckData(model, validationFeatures, validationLabels!, nameof(validationFeatures));
        }

        Model = model;
        Options = options;
        _features = features;
        _labels = labels;
        _validationFeatures = validationFeatures;
        _validationLabels = validationLabels;
    }

    /// <summary>The model being trained.</summary>
    public MixtureOfExperts Model { get; }

    /// <summary>The gate objective and auxiliary weights.</summary>
    public MixtureOfExpertsLossOptions Options { get; }

    /// <summary>The temperature of the sampling objectives over the run. Default: <see cref="TemperatureAnnealing"/>'s defaults.</summary>
    public TemperatureAnnealing Temperature { get; init; } = new();

    /// <summary>
    /// Which validation score the trainer maximises. Default: <see cref="MixtureOfExpertsValidationMetric.NegativeLogLoss"/>,
    /// because accuracy on a small validation set stops changing long before training is done (ties do not count as
    /// improvements, so early stopping fires). <see cref="EpochStatistics"/> reports the validation accuracy either way.
    /// </summary>
    public MixtureOfExpertsValidationMetric ValidationMetric { get; init; } = MixtureOfExpertsValidationMetric.NegativeLogLoss;

    /// <summary>
    /// One example weight per training row (finite, non-negative), or null (the default) for equal weights: each
    /// row's loss term is multiplied by its weight, normalised by the minibatch's weight sum (see <see cref="MixtureOfExpertsLoss.Compute"/>).
    /// </summary>
    public IReadOnlyList<float>? Weights { get; init; }

    /// <summary>Threads for the validation and statistics passes; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>The temperature used by the last step, or NaN before the first step and for <see cref="GateObjective.Marginal"/>.</summary>
    public float LastTemperature => _lastTemperature;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => Model.Parameters;

    /// <inheritdoc />
    public int TrainingRows => _features.Shape[0];

    /// <inheritdoc />
    public bool HasValidation => _validationFeatures is not null;

    /// <inheritdoc />
    public string ValidationName => ValidationMetric == MixtureOfExpertsValidationMetric.Accuracy ? "validation accuracy" : "validation -log-loss";

    /// <summary>The temperature the schedule gives for <paramref name="step"/>.</summary>
    public float TemperatureAt(TrainingStep step)
    {
        long planned = Math.Max(1, step.TotalSteps);
        if (_plannedSchedule is null || _plannedFor != planned)
        {
            _plannedSchedule = Temperature.ScheduleFor(planned);
            _plannedFor = planned;
        }

        return _plannedSchedule.ValueAt(step.Step);
    }

    /// <inheritdoc />
    /// <remarks>
    /// False with example weights (each batch's likelihood is normalised by its own weight sum, so parts do not combine
    /// as row means). A load-balancing term couples the rows of a batch through its routing fractions, a constant of the
    /// loss: <see cref="PrepareBatch"/> takes them from the whole batch, and each part's term is then a mean over its rows.
    /// </remarks>
    public bool SupportsBatchParts => Weights is null;

    /// <inheritdoc />
    /// <remarks>With a load-balancing term: the batch's routing fractions, from the gate's logits of all its rows, the same values the whole batch's loss would compute.</remarks>
    public void PrepareBatch(ReadOnlySpan<int> rows, TrainingStep step)
    {
        if (Options.LoadBalancingWeight == 0f)
        {
            _batchRoutedFraction = null;
            return;
        }

        int d = Model.Inputs;
        if (_batchFeatures is null || _batchFeatures.Shape[0] != rows.Length)
        {
            _batchFeatures = new Tensor(rows.Length, d);
        }

        MinibatchSampler.GatherRows(_features.Span, d, rows, _batchFeatures.Span);
        _routingTape.Reset();
        var fraction = _routingTape.Value(MixtureOfExpertsLoss.RoutedFraction(_routingTape, Model.GateLogits(_routingTape, _routingTape.Constant(_batchFeatures))));
        _batchRoutedFraction ??= new Tensor(fraction.ShapeArray());
        fraction.Span.CopyTo(_batchRoutedFraction.Span);
    }

    /// <inheritdoc />
    public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step) => PartLoss(tape, rows, step, new BatchPart(0, 1, rows.Length));

    /// <inheritdoc />
    public Var BatchPartLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step, BatchPart part)
    {
        if (part.Count > 1 && !SupportsBatchParts)
        {
            throw new InvalidOperationException("Example weights normalise each batch by its own weight sum: the batch cannot be split into parts.");
        }

        if (part.Count > 1 && Options.LoadBalancingWeight != 0f && _batchRoutedFraction is null)
        {
            throw new InvalidOperationException("The load-balancing term needs the whole batch's routing fractions: call PrepareBatch with the batch before its parts.");
        }

        return PartLoss(tape, rows, step, part);
    }

    private Var PartLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step, BatchPart part)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int d = Model.Inputs;
        Tensor features;
        int[] labels;
        float[]? batchWeights;
        var options = Options;
        float temperature = 1f;

        // Parts of one step run concurrently: each has its own gather buffers; the temperature schedule is built
        // once (its cache is shared).
        lock (_partGate)
        {
            if (_partFeatures.Length != part.Count)
            {
                _partFeatures = new Tensor?[part.Count];
                _partLabels = new int[part.Count][];
                _partWeights = new float[part.Count][];
            }

            if (_partFeatures[part.Index] is not { } f || f.Shape[0] != rows.Length)
            {
                _partFeatures[part.Index] = f = new Tensor(rows.Length, d);
                _partLabels[part.Index] = new int[rows.Length];
                _partWeights[part.Index] = Weights is null ? null : new float[rows.Length];
            }

            features = f;
            labels = _partLabels[part.Index]!;
            batchWeights = _partWeights[part.Index];
            if (options.Objective != GateObjective.Marginal)
            {
                temperature = TemperatureAt(step);
                if (part.Index == 0)
                {
                    _lastTemperature = temperature;
                }
            }
        }

        var weights = Weights;
        if (weights is not null && weights.Count != _labels.Length)
        {
            throw new InvalidOperationException($"The objective has {_labels.Length} training rows but {weights.Count} weights.");
        }

        MinibatchSampler.GatherRows(_features.Span, d, rows, features.Span);
        for (int i = 0; i < rows.Length; i++)
        {
            labels[i] = _labels[rows[i]];
            if (weights is not null)
            {
                batchWeights![i] = weights[rows[i]];
            }
        }

        var routedFraction = part.Count > 1 ? _batchRoutedFraction : null;
        var terms = Model.Loss(tape, tape.Constant(features), labels, options, step.Random, weights is null ? null : batchWeights, temperature, routedFraction);
        return terms.Total;
    }

    /// <inheritdoc />
    public double Validate()
    {
        if (_validationFeatures is null || _validationLabels is null)
        {
            throw new InvalidOperationException("This objective has no validation set.");
        }

        _lastValidation = Model.Predict(_validationFeatures, Threads);
        var (accuracy, logLoss) = Score(_lastValidation, _validationLabels);
        return ValidationMetric == MixtureOfExpertsValidationMetric.Accuracy ? accuracy : -logLoss;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step)
    {
        var statistics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Options.Objective != GateObjective.Marginal && !float.IsNaN(_lastTemperature))
        {
            statistics[MixtureOfExpertsStatistics.Temperature] = _lastTemperature;
        }

        ExpertUtilization utilization;
        if (_lastValidation is { } validation && _validationLabels is not null)
        {
            var (accuracy, logLoss) = Score(validation, _validationLabels);
            statistics[MixtureOfExpertsStatistics.ValidationAccuracy] = accuracy;
            statistics[MixtureOfExpertsStatistics.ValidationLogLoss] = logLoss;
            utilization = validation.Utilization();
            _lastValidation = null;
        }
        else
        {
            utilization = TrainingSampleUtilization();
        }

        statistics[MixtureOfExpertsStatistics.UnusedExperts] = utilization.UnusedExperts;
        statistics[MixtureOfExpertsStatistics.GateEntropy] = utilization.MeanGateEntropy;
        for (int k = 0; k < utilization.RoutingFractions.Count; k++)
        {
            statistics[MixtureOfExpertsStatistics.ExpertShareKey(k)] = utilization.RoutingFractions[k];
        }

        return statistics;
    }

    /// <summary>Accuracy and mean log-loss (nats, probabilities floored at <see cref="ProbabilityFloor"/>) of predictions.</summary>
    public static (double Accuracy, double LogLoss) Score(ExpertPredictions predictions, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != predictions.Count || labels.Count == 0)
        {
            throw new ArgumentException($"Expected one label per prediction ({predictions.Count}); got {labels.Count}.", nameof(labels));
        }

        int correct = 0;
        double logLoss = 0;
        var probabilities = predictions.Probabilities;
        for (int r = 0; r < labels.Count; r++)
        {
            if (predictions.PredictedClasses[r] == labels[r])
            {
                correct++;
            }

            logLoss -= Math.Log(Math.Max(probabilities[r, labels[r]], ProbabilityFloor));
        }

        return ((double)correct / labels.Count, logLoss / labels.Count);
    }

    private ExpertUtilization TrainingSampleUtilization()
    {
        int n = TrainingRows, d = Model.Inputs;
        int m = Math.Min(n, UtilizationSampleRows);
        var sample = new Tensor(m, d);
        for (int i = 0; i < m; i++)
        {
            // Evenly spaced rows: a fixed, order-independent sample.
            int row = (int)((long)i * n / m);
            _features.Span.Slice(row * d, d).CopyTo(sample.Span.Slice(i * d, d));
        }

        var tape = new Tape(Threads) { RecordGradients = false };
        var gate = tape.Value(tape.Softmax(Model.GateLogits(tape, tape.Constant(sample))));
        return ExpertUtilization.FromGateProbabilities(gate);
    }

    private static void CheckData(MixtureOfExperts model, Tensor features, int[] labels, string name)
    {
        if (features.Rank != 2 || features.Shape[1] != model.Inputs)
        {
            throw new ArgumentException($"Expected features [N, {model.Inputs}]; got [{string.Join(", ", features.ShapeArray())}].", name);
        }

        MixtureOfExpertsLoss.CheckLabels(labels, features.Shape[0], model.Classes);
    }
}
