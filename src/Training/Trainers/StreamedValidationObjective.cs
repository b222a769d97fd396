using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// A training objective whose validation score comes from a streamed pass over held-out rows instead of rows in memory:
/// the loss is the inner objective's, the score and its statistics come from <see cref="Validate"/>'s delegate.
/// </summary>
/// <param name="inner">The objective that trains (made without validation rows).</param>
/// <param name="validationName">The name of the validation score in progress reports.</param>
/// <param name="validate">Scores the current parameters on the held-out rows: the score (higher is better) and the statistics to report.</param>
internal sealed class StreamedValidationObjective(ITrainingObjective inner, string validationName, Func<(double Score, IReadOnlyDictionary<string, double> Statistics)> validate) : ITrainingObjective
{
    private IReadOnlyDictionary<string, double>? _lastStatistics;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => inner.Parameters;

    /// <inheritdoc />
    public int TrainingRows => inner.TrainingRows;

    /// <inheritdoc />
    public bool HasValidation => true;

    /// <inheritdoc />
    public string ValidationName => validationName;

    /// <inheritdoc />
    public bool SupportsBatchParts => inner.SupportsBatchParts;

    /// <inheritdoc />
    public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step) => inner.BatchLoss(tape, rows, step);

    /// <inheritdoc />
    public Var BatchPartLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step, BatchPart part) => inner.BatchPartLoss(tape, rows, step, part);

    /// <inheritdoc />
    public void PrepareBatch(ReadOnlySpan<int> rows, TrainingStep step) => inner.PrepareBatch(rows, step);

    /// <inheritdoc />
    public double Validate()
    {
        (double score, _lastStatistics) = validate();
        return score;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step)
    {
        var statistics = new Dictionary<string, double>(inner.EpochStatistics(step), StringComparer.Ordinal);
        foreach (var (key, value) in _lastStatistics ?? new Dictionary<string, double>())
        {
            statistics[key] = value;
        }

        return statistics;
    }
}
