using MLNetMixture.Training.Autodiff;
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
    private Tensor? _batch;
    private int _epoch = -1;
    private double _epochLogLikelihoodSum;
    private int _epochBatches;
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
    public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (step.Epoch != _epoch)
        {
            _epoch = step.Epoch;
            _epochLogLikelihoodSum = 0;
            _epochBatches = 0;
        }

        int d = _model.Dimension;
        if (_batch is null || _batch.Shape[0] != rows.Length)
        {
            _batch = new Tensor(rows.Length, d);
        }

        var source = _training.Span;
        var target = _batch.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            source.Slice(rows[i] * d, d).CopyTo(target.Slice(i * d, d));
        }

        var meanLogLikelihood = tape.MeanAll(_model.LogDensity(tape, tape.Constant(_batch)));
        _epochLogLikelihoodSum += tape.Value(meanLogLikelihood).Span[0];
        _epochBatches++;
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
            [TrainLogLikelihoodStatistic] = _epochBatches > 0 ? _epochLogLikelihoodSum / _epochBatches : double.NaN,
        };
        if (_lastValidation is double v)
        {
            statistics[ValidationLogLikelihoodStatistic] = v;
        }

        return statistics;
    }

    private static void CheckRows(Tensor rows, int dimension, string name)
    {
        if (rows.Rank != 2 || rows.Shape[1] != dimension)
        {
            throw new ArgumentException($"Expected rows [N, {dimension}]; got [{string.Join(", ", rows.ShapeArray())}].", name);
        }
    }
}
