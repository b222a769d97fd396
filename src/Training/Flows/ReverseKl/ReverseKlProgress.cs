namespace MLNetMixture.Training.Flows;

/// <summary>A progress report of reverse-KL fitting, sent after every evaluation.</summary>
/// <param name="Step">Optimisation steps taken.</param>
/// <param name="Steps">Steps planned.</param>
/// <param name="TrainingElbo">
/// The mean training objective −(log q − log p~) over the steps since the last report, on the relaxed samples
/// the gradients used (a surrogate: relaxed samples are not distributed as q).
/// </param>
/// <param name="Elbo">The ELBO <c>E_q[log p~(x) − log q(x)]</c> of the current parameters on exact samples (fixed evaluation noise).</param>
/// <param name="ElboStandardError">The Monte-Carlo standard error of <paramref name="Elbo"/>.</param>
/// <param name="BestElbo">The best evaluated ELBO so far.</param>
/// <param name="IsBest">Whether this evaluation set a new best (its parameters are kept).</param>
/// <param name="Temperature">The Gumbel-softmax temperature of the last step.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="Elapsed">Time since fitting started.</param>
public sealed record ReverseKlProgress(
    long Step,
    long Steps,
    double TrainingElbo,
    double Elbo,
    double ElboStandardError,
    double BestElbo,
    bool IsBest,
    float Temperature,
    float LearningRate,
    TimeSpan Elapsed);
