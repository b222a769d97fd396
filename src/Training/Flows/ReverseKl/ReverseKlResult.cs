using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>The outcome of reverse-KL fitting.</summary>
/// <param name="Model">The fitted flow, holding the parameters of the best evaluation.</param>
/// <param name="Training">
/// How training ran: steps, cancellation and every epoch's report. Its validation scores are ELBOs on the fixed
/// evaluation noise; <see cref="TrainingResult.BestValidation"/> is that of the kept parameters (slightly optimistic:
/// the maximum of noisy estimates), null when none could be kept.
/// </param>
/// <param name="Diagnostics">ELBO, log Z estimate and effective sample size of the kept parameters on fresh exact samples.</param>
public sealed record ReverseKlResult(MixtureDensityFlow Model, TrainingResult Training, ReverseKlDiagnostics Diagnostics);
