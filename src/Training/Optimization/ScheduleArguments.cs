namespace MLNetMixture.Training.Optimization;

/// <summary>Argument checks shared by the optimizers and learning-rate schedules.</summary>
internal static class ScheduleArguments
{
    /// <summary>Throws unless <paramref name="rate"/> is finite and non-negative.</summary>
    public static void CheckRate(float rate, string name)
    {
        if (!float.IsFinite(rate) || rate < 0f)
        {
            throw new ArgumentOutOfRangeException(name, rate, "A learning rate must be finite and non-negative.");
        }
    }
}
