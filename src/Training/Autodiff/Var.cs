namespace MLNetMixture.Training.Autodiff;

/// <summary>
/// A handle to a value inside an <see cref="IComputeGraph"/>: a tensor on a <see cref="Tape"/>, or a named
/// node in a graph being exported. Handles are only meaningful to the graph that made them.
/// </summary>
/// <param name="Id">The index of the value in its graph.</param>
public readonly record struct Var(int Id);
