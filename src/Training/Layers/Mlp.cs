using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Layers;

/// <summary>
/// A multilayer perceptron: dense layers with an activation between them and none after the last. With masks, each
/// layer's weight is multiplied by a constant 0/1 connectivity matrix (MADE's masked network, see
/// <see cref="Flows.MadeMasks"/>); the same class serves flow conditioners, autoregressive networks and experts.
/// </summary>
public sealed class Mlp : IModule
{
    private readonly DenseLayer[] _layers;

    /// <summary>Creates the network.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="inputs">Input width.</param>
    /// <param name="hidden">Hidden layer widths (may be empty: a single linear layer).</param>
    /// <param name="outputs">Output width.</param>
    /// <param name="activation">Non-linearity after each hidden layer.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="zeroLastLayer">Start the last layer's weights at zero (flow conditioners start as the identity map).</param>
    /// <param name="masks">
    /// One connectivity mask per layer ([hidden[0], inputs], …, [outputs, hidden[^1]]), or null for a fully connected
    /// network. A masked network's zero last layer draws nothing from <paramref name="random"/>, an unmasked one draws
    /// its weights and clears them: both keep the random streams, and so the models, that a seed gave before.
    /// </param>
    public Mlp(string name, int inputs, IReadOnlyList<int> hidden, int outputs, Activation activation, RandomSource random, bool zeroLastLayer = false, IReadOnlyList<Tensor>? masks = null)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(random);
        if (masks is not null && masks.Count != hidden.Count + 1)
        {
            throw new ArgumentException($"A network with {hidden.Count} hidden layers needs {hidden.Count + 1} masks; got {masks.Count}.", nameof(masks));
        }

        Activation = activation;
        var layers = new List<DenseLayer>();
        int width = inputs;
        for (int i = 0; i <= hidden.Count; i++)
        {
            bool last = i == hidden.Count;
            int next = last ? outputs : hidden[i];
            var following = last ? Activation.Identity : activation;
            DenseLayer layer;
            if (masks is null)
            {
                layer = new DenseLayer($"{name}.{i}", width, next, random, following);
            }
            else
            {
                if (masks[i] is not { Rank: 2 } mask || mask.Shape[0] != next || mask.Shape[1] != width)
                {
                    throw new ArgumentException($"Mask {i} must be [{next}, {width}].", nameof(masks));
                }

                layer = new DenseLayer($"{name}.{i}", mask, random, following, zeroInitialize: last && zeroLastLayer);
            }

            if (last && zeroLastLayer)
            {
                layer.Weight.Value.Clear();
            }

            layers.Add(layer);
            width = next;
        }

        _layers = [.. layers];
        Parameters = _layers.SelectMany(l => l.Parameters).ToArray();
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The hidden non-linearity.</summary>
    public Activation Activation { get; }

    /// <summary>The layers, first to last.</summary>
    public IReadOnlyList<DenseLayer> Layers => _layers;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the network to x [N, Inputs], giving [N, Outputs].</summary>
    public Var Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        for (int i = 0; i < _layers.Length; i++)
        {
            x = _layers[i].Forward(graph, x, i < _layers.Length - 1 ? Activation : Activation.Identity);
        }

        return x;
    }
}
