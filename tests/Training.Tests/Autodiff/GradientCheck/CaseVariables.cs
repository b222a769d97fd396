using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>The tape handles of a case's inputs (and, for <see cref="InputRole.Parameter"/> inputs, the parameters themselves).</summary>
internal sealed class CaseVariables(Var[] vars, Parameter?[] parameters)
{
    public Var this[int index] => vars[index];

    /// <summary>The parameter behind input <paramref name="index"/>, to record it on the tape a second time.</summary>
    public Parameter Parameter(int index) => parameters[index] ?? throw new InvalidOperationException($"Input {index} is not a parameter.");
}
