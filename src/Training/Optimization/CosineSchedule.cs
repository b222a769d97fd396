namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Optional linear warm-up to a peak rate, then cosine annealing from the peak down to a floor over the
/// remaining steps; the floor holds after <see cref="TotalSteps"/>.
/// </summary>
/// <remarks>
/// During warm-up, step s (0-based) gets <c>peak * (s + 1) / warmupSteps</c>, so the first step already moves
/// and step <c>warmupSteps - 1</c> reaches the peak. Afterwards, with progress
/// <c>p = (s - warmupSteps) / (totalSteps - warmupSteps)</c>, the rate is
/// <c>floor + (peak - floor) * (1 + cos(pi * p)) / 2</c>.
/// </remarks>
public sealed class CosineSchedule : ISchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakRate">The rate at the end of warm-up (the start of the cosine).</param>
    /// <param name="totalSteps">Steps from the first step to the end of the cosine, warm-up included.</param>
    /// <param name="warmupSteps">Steps of linear warm-up; 0 for none. Must be less than <paramref name="totalSteps"/>.</param>
    /// <param name="finalRate">The floor reached at <paramref name="totalSteps"/>; at most <paramref name="peakRate"/>.</param>
    public CosineSchedule(float peakRate, long totalSteps, long warmupSteps = 0, float finalRate = 0f)
    {
        ScheduleArguments.CheckValue(peakRate, nameof(peakRate));
        ScheduleArguments.CheckValue(finalRate, nameof(finalRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(warmupSteps, totalSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(finalRate, peakRate);
        PeakRate = peakRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        FinalRate = finalRate;
    }

    /// <summary>The rate at the end of warm-up.</summary>
    public float PeakRate { get; }

    /// <summary>Steps until the floor is reached, warm-up included.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }

    /// <summary>The floor.</summary>
    public float FinalRate { get; }

    /// <inheritdoc />
    public float ValueAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return (float)((double)PeakRate * (step + 1) / WarmupSteps);
        }

        if (step >= TotalSteps)
        {
            return FinalRate;
        }

        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * progress));
        return (float)(FinalRate + ((PeakRate - (double)FinalRate) * cosine));
    }
}
