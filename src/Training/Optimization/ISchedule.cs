namespace MLNetMixture.Training.Optimization;

/// <summary>
/// A value for every optimisation step. One abstraction serves every quantity that changes during training: the
/// optimiser's learning rate (<see cref="Optimizer.Schedule"/>) and the Gumbel-softmax temperature of the
/// mixture-of-experts gate and of reverse-KL component sampling
/// (<see cref="MLNetMixture.Training.Distributions.TemperatureAnnealing"/>).
/// </summary>
public interface ISchedule
{
    /// <summary>The value at a 0-based optimisation step.</summary>
    /// <param name="step">The step; non-negative.</param>
    float ValueAt(long step);
}
