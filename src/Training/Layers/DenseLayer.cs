using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Layers;

/// <summary>A fully connected layer <c>y = x W^T + b</c> with W [Out, In] and b [Out].</summary>
public sealed class DenseLayer : IModule
{
    /// <summary>Creates a layer initialised for the activation that follows it (He for ReLU-like, Xavier otherwise).</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="inputs">Input width.</param>
    /// <param name="outputs">Output width.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="following">The activation applied to this layer's output; picks the initialisation.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    public DenseLayer(string name, int inputs, int outputs, RandomSource random, Activation following = Activation.Identity, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentNullException.ThrowIfNull(random);
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter(name + ".weight", outputs, inputs);
        if (following is Activation.Relu or Activation.Elu or Activation.Gelu)
        {
            Initializer.HeUniform(Weight.Value, inputs, random);
        }
        else
        {
            Initializer.XavierUniform(Weight.Value, inputs, outputs, random);
        }

        Bias = bias ? new Parameter(name + ".bias", outputs) { ApplyWeightDecay = false } : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The weight [Out, In].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [Out], or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the layer to x [N, In].</summary>
    public Var Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Linear(x, graph.Param(Weight), Bias is null ? null : graph.Param(Bias));
    }

    /// <summary>Applies the layer to x [N, In], then <paramref name="activation"/> (fused where the graph can: <see cref="ActivationExtensions.LinearThen"/>).</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="x">Inputs [N, In].</param>
    /// <param name="activation">The activation after the layer.</param>
    public Var Forward(IComputeGraph graph, Var x, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.LinearThen(activation, x, graph.Param(Weight), Bias is null ? null : graph.Param(Bias));
    }
}
