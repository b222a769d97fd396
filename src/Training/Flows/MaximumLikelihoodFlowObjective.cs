using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Maximum-likelihood fitting of a <see cref="MixtureDensityFlow"/> to data (forward KL from the data to the
/// model): the minibatch loss is <c>-mean log p(x)</c> over the rows of the batch, and the validation score is
/// the mean log-likelihood per validation row (higher is better), so <see cref="MinibatchTrainer"/> keeps the
/// parameters with the best held-out likelihood and stops early when it no longer improves.
/// </summary>
/// <remarks>
/// Log-likelihoods are of the data as given (the standardiser's Jacobian included); it is a constant per model,
/// so it does not change which epoch is best. After every epoch <see cref="EpochStatistics"/> reports
/// <c>"train log-likelihood"</c> (the mean over that epoch's minibatches, taken while the parameters moved) and
/// <c>"validation log-likelihood"</c>.
/// </remarks>
public sealed class MaximumLikelihoodFlowObjective : ITrainingObjective
{
    /// <summary>The statistic holding the epoch's mean minibatch log-likelihood.</summary>
    public const string TrainLogLikelihoodStatistic = "train log-likelihood";

    /// <summary>The statistic holding the validation log-likelihood after the epoch.</summary>
    public const string ValidationLogLikelihoodStatistic = "validation log-likelihood";

    private readonly MixtureDensityFlow _model;
    private readonly Tensor _training;
    private readonly Tensor? _validation;
    private readonly MixtureDensityFlowInference _inference;
    private readonly Lock _partGate = new();
    private PartState[] _parts = [];
    private double? _lastValidation;

    /// <summary>Creates the objective.</summary>
    /// <param name="model">The model to fit (initialise it first, e.g. with <see cref="MixtureDensityFlowInitializer"/>).</param>
    /// <param name="training">Training rows [N, D], finite.</param>
    /// <param name="validation">Held-out rows [M, D], or null for none (then no early stopping).</param>
    /// <param name="threads">Threads for the validation pass; 0 uses every core.</param>
    public MaximumLikelihoodFlowObjective(MixtureDensityFlow model, Tensor training, Tensor? validation = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        CheckRows(training, model.Dimension, nameof(training));
        if (validation is not null)
        {
            CheckRows(validation, model.Dimension, nameof(validation));
            if (validation.Shape[0] == 0)
            {
                validation = null;
            }
        }

        _model = model;
        _training = training;
        _validation = validation;
        _inference = new MixtureDensityFlowInference(model, threads);
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => _model.Parameters;

    /// <inheritdoc />
    public int TrainingRows => _training.Shape[0];

    /// <inheritdoc />
    public bool HasValidation => _validation is not null;

    /// <inheritdoc />
    public string ValidationName => ValidationLogLikelihoodStatistic;

    /// <inheritdoc />
    /// <remarks>True: the loss is the mean of the rows' negative log-densities.</remarks>
    public bool SupportsBatchParts => true;

    /// <inheritdoc />
    public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step) => BatchPartLoss(tape, rows, step, new BatchPart(0, 1, rows.Length));

    /// <inheritdoc />
    public Var BatchPartLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step, BatchPart part)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int d = _model.Dimension;
        PartState state;
        lock (_partGate)
        {
            if (_parts.Length != part.Count)
            {
                // A new split (or the first): the epoch's figures so far are folded into part 0's.
                var merged = new PartState { Epoch = -1 };
                foreach (var old in _parts)
                {
                    if (old.Epoch == step.Epoch)
                    {
                        merged.Epoch = step.Epoch;
                        merged.LogLikelihoodSum += old.LogLikelihoodSum;
                        merged.Batches += old.Batches;
                    }
                }

                _parts = new PartState[part.Count];
                for (int p = 0; p < _parts.Length; p++)
                {
                    _parts[p] = p == 0 ? merged : new PartState { Epoch = -1 };
                }
            }

            state = _parts[part.Index];
        }

        if (state.Epoch != step.Epoch)
        {
            state.Epoch = step.Epoch;
            state.LogLikelihoodSum = 0;
            state.Batches = 0;
        }

        if (state.Batch is null || state.Batch.Shape[0] != rows.Length)
        {
            state.Batch = new Tensor(rows.Length, d);
        }

        MinibatchSampler.GatherRows(_training.Span, d, rows, state.Batch.Span);

        var meanLogLikelihood = tape.MeanAll(_model.LogDensity(tape, tape.Constant(state.Batch)));

        // The batch's mean log-likelihood is the parts' means weighted by their rows; part 0 counts the batch.
        state.LogLikelihoodSum += tape.Value(meanLogLikelihood).Span[0] * (double)rows.Length / part.BatchRows;
        if (part.Index == 0)
        {
            state.Batches++;
        }

        return tape.Negate(meanLogLikelihood);
    }

    /// <inheritdoc />
    public double Validate()
    {
        if (_validation is null)
        {
            throw new InvalidOperationException("There is no validation set.");
        }

        double value = _inference.MeanLogDensity(_validation.Data.AsMemory(0, _validation.Length));
        _lastValidation = value;
        return value;
    }

    /// <summary>The mean log-likelihood per row of <paramref name="rows"/> [M, D] under the current parameters.</summary>
    public double MeanLogLikelihood(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckRows(rows, _model.Dimension, nameof(rows));
        return _inference.MeanLogDensity(rows.Data.AsMemory(0, rows.Length));
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step)
    {
        var statistics = new Dictionary<string, double>
        {
            [TrainLogLikelihoodStatistic] = TrainLogLikelihood(step.Epoch),
        };
        if (_lastValidation is double v)
        {
            statistics[ValidationLogLikelihoodStatistic] = v;
        }

        return statistics;
    }

    /// <summary>The mean over the epoch's batches of their mean log-likelihood, NaN before any batch.</summary>
    private double TrainLogLikelihood(int epoch)
    {
        double sum = 0;
        int batches = 0;
        foreach (var part in _parts)
        {
            if (part.Epoch == epoch)
            {
                sum += part.LogLikelihoodSum;
                batches += part.Batches;
            }
        }

        return batches > 0 ? sum / batches : double.NaN;
    }

    private static void CheckRows(Tensor rows, int dimension, string name)
    {
        if (rows.Rank != 2 || rows.Shape[1] != dimension)
        {
            throw new ArgumentException($"Expected rows [N, {dimension}]; got [{string.Join(", ", rows.ShapeArray())}].", name);
        }
    }

    /// <summary>One part's gather buffer and its share of the epoch's training log-likelihood.</summary>
    private sealed class PartState
    {
        public Tensor? Batch { get; set; }

        public int Epoch { get; set; }

        public double LogLikelihoodSum { get; set; }

        public int Batches { get; set; }
    }
}
