using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Trainers;

/// <summary>What <see cref="MinibatchTrainer"/> optimises: a model's parameters, a minibatch loss and an optional validation score.</summary>
public interface ITrainingObjective
{
    /// <summary>The parameters to optimise (frozen ones are skipped by the optimizer).</summary>
    IReadOnlyList<Autodiff.Parameter> Parameters { get; }

    /// <summary>The number of training rows the trainer draws minibatches from.</summary>
    int TrainingRows { get; }

    /// <summary>Whether <see cref="Validate"/> gives a score (a validation set exists).</summary>
    bool HasValidation { get; }

    /// <summary>The name of the validation score in progress reports, e.g. "validation log-likelihood".</summary>
    string ValidationName { get; }

    /// <summary>Records the minibatch loss (a scalar, the mean over the rows) on <paramref name="tape"/>.</summary>
    /// <param name="tape">A reset tape.</param>
    /// <param name="rows">Indices of the training rows in this minibatch.</param>
    /// <param name="step">Where training is.</param>
    Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step);

    /// <summary>
    /// Whether the batch loss is the mean over the batch's rows of terms that each depend on their own row alone, so
    /// that a trainer may split a batch into parts, record each part's loss with <see cref="BatchPartLoss"/> on its own
    /// tape and thread, and combine the gradients weighted by the parts' sizes (<see cref="DataParallelGradient"/>).
    /// False by default: <see cref="BatchLoss"/> is then always called with the whole batch.
    /// </summary>
    bool SupportsBatchParts => false;

    /// <summary>
    /// Records the loss of one part of a minibatch, the mean over <paramref name="rows"/> of the per-row terms that
    /// <see cref="BatchLoss"/> averages over the whole batch. Called only when <see cref="SupportsBatchParts"/> is true,
    /// concurrently for the parts of one step (each with its own tape, thread and <see cref="TrainingStep.Random"/>).
    /// </summary>
    /// <param name="tape">A reset tape of this part.</param>
    /// <param name="rows">Indices of the training rows in this part.</param>
    /// <param name="step">Where training is; its random source is this part's own.</param>
    /// <param name="part">Which part of how many, and the whole batch's size.</param>
    Var BatchPartLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step, BatchPart part)
        => throw new NotSupportedException($"{GetType().Name} does not split batches into parts.");

    /// <summary>
    /// Called once per step with the whole minibatch before its parts' losses are recorded (<see cref="BatchPartLoss"/>),
    /// for what the parts share and no part can compute alone, such as the batch's routing fractions of a
    /// load-balancing term. Does nothing by default.
    /// </summary>
    /// <param name="rows">Indices of the training rows in this minibatch.</param>
    /// <param name="step">Where training is.</param>
    void PrepareBatch(ReadOnlySpan<int> rows, TrainingStep step)
    {
    }

    /// <summary>The validation score of the current parameters; higher is better.</summary>
    double Validate();

    /// <summary>
    /// Whether the parameters at the end of this epoch may be kept as the best when their validation score is the best
    /// so far. True by default; false while the loss is still a stand-in for the objective proper (reverse KL to a
    /// tempered target), whose scores are not comparable with the final ones. Read after <see cref="Validate"/>.
    /// </summary>
    bool MayKeepCurrentParameters => true;

    /// <summary>Extra figures for the progress report after an epoch (temperature, expert utilisation...).</summary>
    IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step);
}
