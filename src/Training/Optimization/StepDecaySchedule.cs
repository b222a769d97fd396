namespace MLNetMixture.Training.Optimization;

/// <summary>Multiplies the rate by <see cref="Factor"/> every <see cref="StepSize"/> steps: <c>initial * factor^floor(step / stepSize)</c>.</summary>
public sealed class StepDecaySchedule : ISchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialRate">The rate for steps 0 to <paramref name="stepSize"/> - 1.</param>
    /// <param name="stepSize">Steps between decays; positive.</param>
    /// <param name="factor">The multiplier applied at each decay, in (0, 1].</param>
    public StepDecaySchedule(float initialRate, long stepSize, float factor)
    {
        ScheduleArguments.CheckValue(initialRate, nameof(initialRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!(factor > 0f && factor <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The decay factor must lie in (0, 1].");
        }

        InitialRate = initialRate;
        StepSize = stepSize;
        Factor = factor;
    }

    /// <summary>The rate before the first decay.</summary>
    public float InitialRate { get; }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>The multiplier applied at each decay.</summary>
    public float Factor { get; }

    /// <inheritdoc />
    public float ValueAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        long decays = step / StepSize;
        return (float)(InitialRate * Math.Pow(Factor, decays));
    }
}
