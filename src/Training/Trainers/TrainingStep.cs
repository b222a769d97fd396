using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Trainers;

/// <summary>Where training is when a minibatch loss is built.</summary>
/// <param name="Step">Optimizer steps taken so far (0-based index of this step).</param>
/// <param name="Epoch">The current epoch (0-based).</param>
/// <param name="TotalSteps">The planned number of steps (for temperature and learning-rate schedules).</param>
/// <param name="Random">Randomness for this step (noise for reparameterised samples, dropout).</param>
public readonly record struct TrainingStep(long Step, int Epoch, long TotalSteps, RandomSource Random);
