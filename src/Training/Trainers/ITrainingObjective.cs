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

    /// <summary>The validation score of the current parameters; higher is better.</summary>
    double Validate();

    /// <summary>Extra figures for the progress report after an epoch (temperature, expert utilisation...).</summary>
    IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step);
}
