namespace MLNetMixture.Training.Trainers;

/// <summary>One part of a minibatch that is split among tapes and threads (<see cref="DataParallelGradient"/>).</summary>
/// <param name="Index">Which part, in [0, <paramref name="Count"/>).</param>
/// <param name="Count">How many parts the batch is split into.</param>
/// <param name="BatchRows">Rows in the whole batch (the part's loss is weighted by its rows over these).</param>
public readonly record struct BatchPart(int Index, int Count, int BatchRows);
