namespace MLNetMixture.Training.Flows;

/// <summary>A Monte-Carlo estimate of a model's differential entropy <c>H = -E_p[log p(x)]</c>, in nats.</summary>
/// <param name="Nats">The estimate: minus the mean log-density of the model's own samples.</param>
/// <param name="StandardError">Its standard error: the standard deviation of the log-densities over √samples.</param>
/// <param name="Samples">How many samples were drawn.</param>
public sealed record EntropyEstimate(double Nats, double StandardError, int Samples);
