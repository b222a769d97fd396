namespace MLNetMixture.Training.Distributions;

/// <summary>The relaxation temperature τ to use at each optimisation step (Gumbel-softmax annealing).</summary>
public interface ITemperatureSchedule
{
    /// <summary>The temperature at step <paramref name="step"/> (0 for the first step); always positive.</summary>
    float TemperatureAt(long step);
}
