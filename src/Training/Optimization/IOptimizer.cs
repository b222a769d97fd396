using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Updates a fixed list of <see cref="Parameter"/>s from their accumulated gradients. A training step is
/// <see cref="ZeroGrad"/>, forward and <see cref="Tape.Backward"/>, optionally gradient clipping, then
/// <see cref="Step"/>.
/// </summary>
public interface IOptimizer
{
    /// <summary>The parameters this optimizer updates, in the order given at construction.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The learning rate of the next <see cref="Step"/>; overwritten at each step when <see cref="Schedule"/> is set.</summary>
    float LearningRate { get; set; }

    /// <summary>When set, each <see cref="Step"/> first sets <see cref="LearningRate"/> to <c>Schedule.ValueAt(StepCount)</c>.</summary>
    ISchedule? Schedule { get; set; }

    /// <summary>The number of completed <see cref="Step"/> calls.</summary>
    long StepCount { get; }

    /// <summary>Applies one update to every trainable parameter from its current gradient.</summary>
    void Step();

    /// <summary>Sets the gradient of every parameter to zero.</summary>
    void ZeroGrad();

    /// <summary>A deep copy of the optimizer's state (moments, step counts, learning rate).</summary>
    OptimizerState CaptureState();

    /// <summary>Copies the state into a snapshot made by <see cref="CaptureState"/> of this optimizer, without allocating.</summary>
    /// <param name="destination">A snapshot of an optimizer of the same kind over parameters of the same names and shapes.</param>
    void CopyStateTo(OptimizerState destination);

    /// <summary>Replaces the state with a snapshot's (the parameters' values are not touched: see <see cref="ParameterSnapshot"/>).</summary>
    /// <param name="source">A snapshot of an optimizer of the same kind over parameters of the same names and shapes.</param>
    void RestoreState(OptimizerState source);
}
