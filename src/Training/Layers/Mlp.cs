using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Layers;

/// <summary>A multilayer perceptron: dense layers with an activation between them and none after the last.</summary>
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
    /// <param name="zeroLastLayer">Start the last layer at zero (flow conditioners start as the identity map).</param>
    public Mlp(string name, int inputs, IReadOnlyList<int> hidden, int outputs, Activation activation, RandomSource random, bool zeroLastLayer = false)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(random);
        Activation = activation;
        var layers = new List<DenseLayer>();
        int width = inputs;
        for (int i = 0; i < hidden.Count; i++)
        {
            layers.Add(new DenseLayer($"{name}.{i}", width, hidden[i], random, activation));
            width = hidden[i];
        }

        var last = new DenseLayer($"{name}.{hidden.Count}", width, outputs, random);
        if (zeroLastLayer)
        {
            last.Weight.Value.Clear();
        }

        layers.Add(last);
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
            x = i < _layers.Length - 1 ? _layers[i].Forward(graph, x, Activation) : _layers[i].Forward(graph, x);
        }

        return x;
    }
}
