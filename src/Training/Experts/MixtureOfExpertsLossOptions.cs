namespace MLNetMixture.Training.Experts;

/// <summary>
/// The loss a <see cref="MixtureOfExperts"/> is trained on: the gate objective and the optional auxiliary terms. The
/// temperature of the sampling objectives is not a setting here: it comes from the run's
/// <see cref="Distributions.TemperatureAnnealing"/> at every step.
/// </summary>
public sealed record MixtureOfExpertsLossOptions
{
    /// <summary>The per-row likelihood objective; see <see cref="GateObjective"/>.</summary>
    public GateObjective Objective { get; set; } = GateObjective.Marginal;

    /// <summary>
    /// Weight alpha of the Switch-Transformer load-balancing term <c>alpha * K * sum_i f_i P_i</c>, where
    /// <c>f_i</c> is the fraction of the batch whose arg-max gate is expert i (a constant) and <c>P_i</c> the
    /// batch mean of the gate probability of expert i (differentiable). The term is smallest (alpha) when
    /// routing is uniform across experts. 0 (the default) leaves it out; 0.01 is a common choice.
    /// </summary>
    public float LoadBalancingWeight { get; set; }

    /// <summary>
    /// Weight beta of the batch-mean gate entropy <c>H(p(z|x)) = -sum_k p_k log p_k</c> (nats) added to the loss.
    /// A positive beta is minimised by confident gates: each row is sent decisively to one expert, which makes
    /// top-1 routing at inference agree with training. A negative beta rewards spread-out gates (exploration,
    /// against experts dying early). Combined with a positive <see cref="LoadBalancingWeight"/>, a positive beta
    /// asks for routing that is confident per row yet balanced across the batch. 0 (the default) leaves it out.
    /// </summary>
    public float GateEntropyWeight { get; set; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new Trainers.SettingCheck("Loss");
        check.That(Enum.IsDefined(Objective), nameof(Objective), Objective, "be Marginal, GumbelSoftmax or StraightThrough");
        check.That(float.IsFinite(LoadBalancingWeight) && LoadBalancingWeight >= 0, nameof(LoadBalancingWeight), LoadBalancingWeight, "be non-negative and finite");
        check.That(float.IsFinite(GateEntropyWeight), nameof(GateEntropyWeight), GateEntropyWeight, "be finite");
    }
}
