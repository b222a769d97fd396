using System.Text.Json.Serialization;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// The Gumbel-softmax (Concrete) temperature over training: exponential annealing from
/// <see cref="InitialTemperature"/> to <see cref="FinalTemperature"/>, reached after
/// <see cref="ReachedAtFraction"/> of the planned steps (an <see cref="ExponentialDecaySchedule"/>), or any
/// <see cref="Schedule"/> given instead. Used by the sampling gate objectives of the mixture of experts and by
/// reverse-KL component sampling.
/// </summary>
/// <remarks>
/// <see cref="FinalTemperature"/> is where annealing ends. It is not the numerical floor that keeps the relaxation
/// finite (<see cref="GumbelSoftmax.DefaultMinimumTemperature"/>), which every sampler applies whatever the schedule says.
/// </remarks>
public sealed record TemperatureAnnealing
{
    /// <summary>τ_0, the temperature at the first step. Default 1.</summary>
    public float InitialTemperature { get; set; } = 1f;

    /// <summary>τ_final, where annealing ends: positive and at most <see cref="InitialTemperature"/>. Default 0.5.</summary>
    public float FinalTemperature { get; set; } = 0.5f;

    /// <summary>
    /// The share of the planned optimisation steps after which τ reaches <see cref="FinalTemperature"/>, in (0, 1].
    /// Default 0.8. The rate r of <c>τ = max(τ_final, τ_0 exp(-r t))</c> and the update interval follow from it, so
    /// short runs on small data sets anneal as well as long ones.
    /// </summary>
    public double ReachedAtFraction { get; set; } = 0.8;

    /// <summary>How many times the temperature changes on its way down (fewer if the run has fewer steps). Default 100.</summary>
    public int Updates { get; set; } = 100;

    /// <summary>A schedule indexed by optimisation step that replaces the four settings above; default null. Not saved in model files.</summary>
    [JsonIgnore]
    public ISchedule? Schedule { get; set; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new SettingCheck("Temperature");
        check.That(float.IsFinite(InitialTemperature) && InitialTemperature > 0, nameof(InitialTemperature), InitialTemperature, "be positive and finite");
        check.That(float.IsFinite(FinalTemperature) && FinalTemperature > 0 && FinalTemperature <= InitialTemperature, nameof(FinalTemperature), FinalTemperature, $"be positive and at most InitialTemperature ({InitialTemperature})");
        check.That(ReachedAtFraction is > 0 and <= 1, nameof(ReachedAtFraction), ReachedAtFraction, "lie in (0, 1]");
        check.That(Updates >= 1, nameof(Updates), Updates, "be at least 1");
    }

    /// <summary>The temperature schedule of a run of <paramref name="plannedSteps"/> optimisation steps.</summary>
    /// <param name="plannedSteps">The planned optimisation steps; at least 1.</param>
    public ISchedule ScheduleFor(long plannedSteps) =>
        Schedule ?? ExponentialDecaySchedule.ForPlannedSteps(Math.Max(1, plannedSteps), InitialTemperature, FinalTemperature, ReachedAtFraction, Updates);
}
