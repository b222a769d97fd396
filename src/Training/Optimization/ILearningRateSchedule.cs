namespace MLNetMixture.Training.Optimization;

/// <summary>A learning rate as a function of the optimizer step (0 for the first step).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate to use for step <paramref name="step"/> (0-based).</summary>
    /// <param name="step">The number of optimizer steps taken before this one; never negative.</param>
    float RateAt(long step);
}
