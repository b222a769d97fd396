namespace MLNetMixture.Training.Optimization;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="rate">The learning rate; finite and non-negative.</param>
    public ConstantSchedule(float rate)
    {
        ScheduleArguments.CheckRate(rate, nameof(rate));
        Rate = rate;
    }

    /// <summary>The learning rate.</summary>
    public float Rate { get; }

    /// <inheritdoc />
    public float RateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Rate;
    }
}
