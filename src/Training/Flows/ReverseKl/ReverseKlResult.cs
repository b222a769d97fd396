namespace MLNetMixture.Training.Flows;

/// <summary>The outcome of reverse-KL fitting.</summary>
/// <param name="Model">The fitted flow, holding the parameters of the best evaluation.</param>
/// <param name="StepsRun">Optimisation steps taken.</param>
/// <param name="Cancelled">Whether cancellation stopped the fit early.</param>
/// <param name="BestStep">The step after which the kept parameters were evaluated.</param>
/// <param name="BestElbo">Their ELBO on the fixed evaluation noise (slightly optimistic: it is the maximum of noisy estimates).</param>
/// <param name="Diagnostics">ELBO, log Z estimate and effective sample size of the kept parameters on fresh exact samples.</param>
/// <param name="History">Every progress report.</param>
public sealed record ReverseKlResult(
    MixtureDensityFlow Model,
    long StepsRun,
    bool Cancelled,
    long BestStep,
    double BestElbo,
    ReverseKlDiagnostics Diagnostics,
    IReadOnlyList<ReverseKlProgress> History);
