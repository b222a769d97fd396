using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>One named input of a gradient-check case.</summary>
internal sealed record GradInput(string Name, Tensor Value, InputRole Role = InputRole.Differentiable);
