namespace MLNetMixture.Training.Optimization;

/// <summary>Argument checks shared by the optimizers and schedules.</summary>
internal static class ScheduleArguments
{
    /// <summary>Throws unless <paramref name="value"/> is finite and non-negative.</summary>
    public static void CheckValue(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0f)
        {
            throw new ArgumentOutOfRangeException(name, value, "A scheduled value must be finite and non-negative.");
        }
    }
}
