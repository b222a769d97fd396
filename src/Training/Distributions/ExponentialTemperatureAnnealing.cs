namespace MLNetMixture.Training.Distributions;

/// <summary>
/// Exponential annealing as in Jang et al. (2017): <c>τ = max(τ_min, τ_0 exp(-r t))</c>, where t is the step
/// rounded down to a multiple of the update interval N, so the temperature changes every N steps.
/// </summary>
/// <remarks>
/// Jang et al. used N = 500 and r of 1e-5 to 1e-4, which only makes sense for long runs;
/// <see cref="ForPlannedSteps"/> chooses r and N from the planned number of steps so that short runs on small
/// data sets anneal too.
/// </remarks>
public sealed class ExponentialTemperatureAnnealing : ITemperatureSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialTemperature">τ_0, positive and finite.</param>
    /// <param name="minimumTemperature">τ_min, positive and at most τ_0.</param>
    /// <param name="rate">r ≥ 0, per step.</param>
    /// <param name="updateInterval">N ≥ 1: the temperature changes every N steps.</param>
    public ExponentialTemperatureAnnealing(float initialTemperature, float minimumTemperature, double rate, long updateInterval)
    {
        TemperatureGuard.RequirePositive(initialTemperature, nameof(initialTemperature));
        TemperatureGuard.RequirePositive(minimumTemperature, nameof(minimumTemperature));
        if (minimumTemperature > initialTemperature)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumTemperature), minimumTemperature, $"The minimum temperature must not exceed the initial temperature {initialTemperature}.");
        }

        if (!(rate >= 0) || double.IsInfinity(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The annealing rate must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(updateInterval, 1);
        InitialTemperature = initialTemperature;
        MinimumTemperature = minimumTemperature;
        Rate = rate;
        UpdateInterval = updateInterval;
    }

    /// <summary>τ_0.</summary>
    public float InitialTemperature { get; }

    /// <summary>τ_min.</summary>
    public float MinimumTemperature { get; }

    /// <summary>r, per step.</summary>
    public double Rate { get; }

    /// <summary>N: the temperature changes every N steps.</summary>
    public long UpdateInterval { get; }

    /// <summary>
    /// A schedule that starts at τ_0 and reaches τ_min after <paramref name="reachAtFraction"/> of
    /// <paramref name="totalSteps"/>, changing about <paramref name="updates"/> times on the way (fewer when the run
    /// has fewer steps than that). The last update lands on or before the target step, never after it.
    /// </summary>
    /// <param name="totalSteps">The planned number of optimisation steps, at least 1.</param>
    /// <param name="initialTemperature">τ_0.</param>
    /// <param name="minimumTemperature">τ_min.</param>
    /// <param name="reachAtFraction">The fraction of training, in (0, 1], by which τ_min is reached.</param>
    /// <param name="updates">The number of temperature changes wanted, at least 1.</param>
    public static ExponentialTemperatureAnnealing ForPlannedSteps(long totalSteps, float initialTemperature = 1f, float minimumTemperature = 0.5f, double reachAtFraction = 0.8, int updates = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(updates, 1);
        if (!(reachAtFraction > 0 && reachAtFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(reachAtFraction), reachAtFraction, "The fraction of training by which the minimum is reached must lie in (0, 1].");
        }

        TemperatureGuard.RequirePositive(initialTemperature, nameof(initialTemperature));
        TemperatureGuard.RequirePositive(minimumTemperature, nameof(minimumTemperature));
        long target = Math.Max(1, (long)Math.Floor(reachAtFraction * totalSteps));
        long interval = Math.Max(1, target / updates);
        long lastUpdate = target / interval * interval;
        double rate = Math.Log((double)initialTemperature / minimumTemperature) / lastUpdate;
        return new ExponentialTemperatureAnnealing(initialTemperature, minimumTemperature, rate, interval);
    }

    /// <inheritdoc />
    public float TemperatureAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        long t = step / UpdateInterval * UpdateInterval;
        double tau = InitialTemperature * Math.Exp(-Rate * t);

        // At the step where τ_0 exp(-r t) = τ_min the float64 value is within a few ulps of τ_min, which the float32
        // cast rounds to τ_min exactly.
        return (float)Math.Max(MinimumTemperature, tau);
    }

    /// <inheritdoc />
    public override string ToString() => $"τ = max({MinimumTemperature}, {InitialTemperature} exp(-{Rate:G4} t)), updated every {UpdateInterval} steps";
}
