namespace MLNetMixture.Training.Optimization;

/// <summary>The same value at every step (a fixed learning rate or temperature).</summary>
public sealed class ConstantSchedule : ISchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="value">The value; finite and non-negative.</param>
    public ConstantSchedule(float value)
    {
        ScheduleArguments.CheckValue(value, nameof(value));
        Value = value;
    }

    /// <summary>The value.</summary>
    public float Value { get; }

    /// <inheritdoc />
    public float ValueAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Value;
    }
}
