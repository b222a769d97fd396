using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A dense layer whose weight is multiplied by a constant 0/1 connectivity mask before use:
/// <c>y = x (M ⊙ W)^T + b</c>. Masked weights receive no gradient, so they never matter.
/// </summary>
public sealed class MaskedLinearLayer : IModule
{
    private readonly Tensor _mask;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="mask">The connectivity [Out, In]: 1 keeps a weight, 0 removes it. Copied.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="following">The activation applied to this layer's output; picks the initialisation.</param>
    /// <param name="zeroInitialize">Start every weight at zero (the last layer of a flow conditioner).</param>
    public MaskedLinearLayer(string name, Tensor mask, RandomSource random, Activation following = Activation.Identity, bool zeroInitialize = false)
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

        // Initialise for the number of inputs a unit actually sees (at least one).
        int fanIn = Math.Max(1, (int)Math.Ceiling(TensorPrimitives.Sum(_mask.Span) / Outputs));
        Weight = new Parameter(name + ".weight", Outputs, Inputs);
        if (!zeroInitialize)
        {
            if (following is Activation.Relu or Activation.Elu or Activation.Gelu)
            {
                Initializer.HeUniform(Weight.Value, fanIn, random);
            }
            else
            {
                Initializer.XavierUniform(Weight.Value, fanIn, Outputs, random);
            }

            TensorPrimitives.Multiply(Weight.Value.Span, _mask.Span, Weight.Value.Span);
        }

        Bias = new Parameter(name + ".bias", Outputs) { ApplyWeightDecay = false };
        Parameters = [Weight, Bias];
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The weight [Out, In]; only entries where the mask is 1 are used.</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [Out].</summary>
    public Parameter Bias { get; }

    /// <summary>A copy of the connectivity mask [Out, In].</summary>
    public Tensor Mask => _mask.Clone();

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the layer to x [N, In], giving [N, Out].</summary>
    public Var Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var weight = graph.Multiply(graph.Param(Weight), graph.Constant(_mask));
        return graph.Linear(x, weight, graph.Param(Bias));
    }
}
