using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Experts;

/// <summary>The architecture of a <see cref="MixtureOfExperts"/> classifier.</summary>
/// <param name="Inputs">The number of input features D.</param>
/// <param name="Classes">The number of classes C.</param>
/// <param name="Experts">The number of experts K.</param>
public sealed record MixtureOfExpertsOptions(int Inputs, int Classes, int Experts)
{
    /// <summary>Hidden layer widths of the gate network; empty gives a linear (multinomial logistic) gate.</summary>
    public IReadOnlyList<int> GateHiddenSizes { get; init; } = [];

    /// <summary>Hidden layer widths of every expert; empty makes each expert a multinomial logistic regression.</summary>
    public IReadOnlyList<int> ExpertHiddenSizes { get; init; } = [];

    /// <summary>The non-linearity after each hidden layer, in the gate and in the experts.</summary>
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>Seed of the parameter initialisation; equal seeds give equal models.</summary>
    public ulong Seed { get; init; }
}
