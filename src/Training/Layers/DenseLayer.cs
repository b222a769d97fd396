using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Layers;

/// <summary>
/// A fully connected layer <c>y = x W^T + b</c> with W [Out, In] and b [Out], optionally with a constant 0/1
/// connectivity mask M [Out, In] applied to the weight before use (<c>y = x (M ⊙ W)^T + b</c>, as in MADE); masked
/// weights receive no gradient, so they never matter.
/// </summary>
public sealed class DenseLayer : IModule
{
    private readonly Tensor? _mask;

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
        Initialize(Weight.Value, inputs, following, random);
        Bias = bias ? new Parameter(name + ".bias", outputs) { ApplyWeightDecay = false } : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    /// <summary>Creates a masked layer with a bias, initialised for the number of inputs a unit actually sees.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="mask">The connectivity [Out, In]: 1 keeps a weight, 0 removes it. Copied.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="following">The activation applied to this layer's output; picks the initialisation.</param>
    /// <param name="zeroInitialize">Start every weight at zero, drawing nothing from <paramref name="random"/>.</param>
    public DenseLayer(string name, Tensor mask, RandomSource random, Activation following = Activation.Identity, bool zeroInitialize = false)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(random);
        if (mask.Rank != 2 || mask.Length == 0)
        {
            throw new ArgumentException($"The mask must be a non-empty [Out, In] matrix; got [{string.Join(", ", mask.ShapeArray())}].", nameof(mask));
        }

        _mask = mask.Clone();
        Outputs = mask.Shape[0];
        Inputs = mask.Shape[1];
        Weight = new Parameter(name + ".weight", Outputs, Inputs);
        if (!zeroInitialize)
        {
            int fanIn = Math.Max(1, (int)Math.Ceiling(TensorPrimitives.Sum(_mask.Span) / Outputs));
            Initialize(Weight.Value, fanIn, following, random);
            TensorPrimitives.Multiply(Weight.Value.Span, _mask.Span, Weight.Value.Span);
        }

        Bias = new Parameter(name + ".bias", Outputs) { ApplyWeightDecay = false };
        Parameters = [Weight, Bias];
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The weight [Out, In]; in a masked layer only entries where the mask is 1 are used.</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [Out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>A copy of the connectivity mask [Out, In], or null for a fully connected layer.</summary>
    public Tensor? Mask => _mask?.Clone();

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the layer to x [N, In].</summary>
    public Var Forward(IComputeGraph graph, Var x) => Forward(graph, x, Activation.Identity);

    /// <summary>Applies the layer to x [N, In], then <paramref name="activation"/> (fused where the graph can: <see cref="ActivationExtensions.LinearThen"/>).</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="x">Inputs [N, In].</param>
    /// <param name="activation">The activation after the layer.</param>
    public Var Forward(IComputeGraph graph, Var x, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var weight = _mask is null ? graph.Param(Weight) : graph.Multiply(graph.Param(Weight), graph.Constant(_mask));
        return graph.LinearThen(activation, x, weight, Bias is null ? null : graph.Param(Bias));
    }

    private static void Initialize(Tensor weight, int fanIn, Activation following, RandomSource random)
    {
        if (following is Activation.Relu or Activation.Elu or Activation.Gelu)
        {
            Initializer.HeUniform(weight, fanIn, random);
        }
        else
        {
            Initializer.XavierUniform(weight, fanIn, weight.Shape[0], random);
        }
    }
}
