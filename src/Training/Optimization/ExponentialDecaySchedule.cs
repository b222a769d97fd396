namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Exponential decay to a floor, changed in steps: <c>v = max(v_final, v_0 exp(-r t))</c>, where t is the step
/// rounded down to a multiple of the update interval N. With v the Gumbel-softmax temperature this is the
/// annealing of Jang et al. (2017).
/// </summary>
/// <remarks>
/// Jang et al. used N = 500 and r of 1e-5 to 1e-4, which only makes sense for long runs;
/// <see cref="ForPlannedSteps"/> chooses r and N from the planned number of steps so that short runs on small
/// data sets decay too.
/// </remarks>
public sealed class ExponentialDecaySchedule : ISchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialValue">v_0, positive and finite.</param>
    /// <param name="finalValue">v_final, the floor: positive and at most v_0.</param>
    /// <param name="rate">r ≥ 0, per step.</param>
    /// <param name="updateInterval">N ≥ 1: the value changes every N steps.</param>
    public ExponentialDecaySchedule(float initialValue, float finalValue, double rate, long updateInterval)
    {
        CheckEnds(initialValue, finalValue);
        if (!(rate >= 0) || double.IsInfinity(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The decay rate must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(updateInterval, 1);
        InitialValue = initialValue;
        FinalValue = finalValue;
        Rate = rate;
        UpdateInterval = updateInterval;
    }

    /// <summary>v_0.</summary>
    public float InitialValue { get; }

    /// <summary>v_final, the floor.</summary>
    public float FinalValue { get; }

    /// <summary>r, per step.</summary>
    public double Rate { get; }

    /// <summary>N, the steps between changes.</summary>
    public long UpdateInterval { get; }

    /// <summary>
    /// The schedule that reaches <paramref name="finalValue"/> after <paramref name="reachAtFraction"/> of
    /// <paramref name="totalSteps"/> steps, changing <paramref name="updates"/> times on the way (fewer when there are
    /// fewer steps).
    /// </summary>
    /// <param name="totalSteps">The planned optimisation steps; at least 1.</param>
    /// <param name="initialValue">v_0.</param>
    /// <param name="finalValue">v_final.</param>
    /// <param name="reachAtFraction">The share of the steps after which the floor is reached, in (0, 1].</param>
    /// <param name="updates">How many times the value changes; at least 1.</param>
    public static ExponentialDecaySchedule ForPlannedSteps(long totalSteps, float initialValue, float finalValue, double reachAtFraction, int updates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(updates, 1);
        if (!(reachAtFraction > 0 && reachAtFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(reachAtFraction), reachAtFraction, "The fraction of training by which the floor is reached must lie in (0, 1].");
        }

        CheckEnds(initialValue, finalValue);
        long target = Math.Max(1, (long)Math.Floor(reachAtFraction * totalSteps));
        long interval = Math.Max(1, target / updates);
        long lastUpdate = target / interval * interval;
        double rate = Math.Log((double)initialValue / finalValue) / lastUpdate;
        return new ExponentialDecaySchedule(initialValue, finalValue, rate, interval);
    }

    /// <inheritdoc />
    public float ValueAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        long t = step / UpdateInterval * UpdateInterval;
        double value = InitialValue * Math.Exp(-Rate * t);

        // At the step where v_0 exp(-r t) = v_final the float64 value is within a few ulps of v_final, which the
        // float32 cast rounds to v_final exactly.
        return (float)Math.Max(FinalValue, value);
    }

    /// <inheritdoc />
    public override string ToString() => $"max({FinalValue}, {InitialValue} exp(-{Rate:G4} t)), updated every {UpdateInterval} steps";

    private static void CheckEnds(float initialValue, float finalValue)
    {
        if (!(initialValue > 0) || !float.IsFinite(initialValue))
        {
            throw new ArgumentOutOfRangeException(nameof(initialValue), initialValue, "The initial value must be positive and finite.");
        }

        if (!(finalValue > 0) || finalValue > initialValue)
        {
            throw new ArgumentOutOfRangeException(nameof(finalValue), finalValue, $"The final value must be positive and at most the initial value {initialValue}.");
        }
    }
}
