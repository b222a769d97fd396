using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Layers;

/// <summary>Anything that owns learnable parameters (layers, networks, distributions, whole models).</summary>
public interface IModule
{
    /// <summary>Every parameter, in a fixed order (used by optimizers and model files).</summary>
    IReadOnlyList<Parameter> Parameters { get; }
}
