using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// MADE (Germain et al. 2015): a masked multilayer perceptron whose outputs for feature d depend only on the
/// inputs before d (in index order), so it parameterises an autoregressive model in one pass.
/// </summary>
/// <remarks>
/// Input d has degree d + 1; hidden unit k has degree (k mod max(1, D - 1)) + 1 (cycling, so every degree is
/// present when the layer has at least D - 1 units); a hidden unit sees the units of the previous layer with
/// degree ≤ its own, and an output for feature d sees hidden units (or inputs) of degree ≤ d. Outputs are laid
/// out parameter-major: column j·D + d is parameter j of feature d.
/// </remarks>
public sealed class MadeNetwork : IModule
{
    private readonly MaskedLinearLayer[] _layers;

    /// <summary>Creates the network.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="hidden">Hidden widths (may be empty: a single masked linear layer).</param>
    /// <param name="outputsPerFeature">How many values to produce for each feature.</param>
    /// <param name="activation">The hidden non-linearity.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="zeroLastLayer">Start the last layer's weights at zero.</param>
    public MadeNetwork(string name, int dimension, IReadOnlyList<int> hidden, int outputsPerFeature, Activation activation, RandomSource random, bool zeroLastLayer = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputsPerFeature);
        ArgumentNullException.ThrowIfNull(random);
        Dimension = dimension;
        OutputsPerFeature = outputsPerFeature;
        Activation = activation;

        var degrees = Enumerable.Range(1, dimension).ToArray();
        var layers = new List<MaskedLinearLayer>();
        for (int l = 0; l < hidden.Count; l++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden[l]);
            var next = Enumerable.Range(0, hidden[l]).Select(k => (k % Math.Max(1, dimension - 1)) + 1).ToArray();
            var mask = new Tensor(next.Length, degrees.Length);
            for (int o = 0; o < next.Length; o++)
            {
                for (int i = 0; i < degrees.Length; i++)
                {
                    mask[o, i] = next[o] >= degrees[i] ? 1f : 0f;
                }
            }

            layers.Add(new MaskedLinearLayer($"{name}.{l}", mask, random, activation));
            degrees = next;
        }

        var outMask = new Tensor(outputsPerFeature * dimension, degrees.Length);
        for (int o = 0; o < outMask.Shape[0]; o++)
        {
            int feature = (o % dimension) + 1;
            for (int i = 0; i < degrees.Length; i++)
            {
                outMask[o, i] = feature > degrees[i] ? 1f : 0f;
            }
        }

        layers.Add(new MaskedLinearLayer($"{name}.{hidden.Count}", outMask, random, Activation.Identity, zeroLastLayer));
        _layers = [.. layers];
        Parameters = _layers.SelectMany(l => l.Parameters).ToArray();
    }

    /// <summary>The number of features D.</summary>
    public int Dimension { get; }

    /// <summary>Values produced per feature.</summary>
    public int OutputsPerFeature { get; }

    /// <summary>The hidden non-linearity.</summary>
    public Activation Activation { get; }

    /// <summary>The masked layers, first to last.</summary>
    public IReadOnlyList<MaskedLinearLayer> Layers => _layers;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the network to x [N, D], giving [N, OutputsPerFeature · D] (parameter-major).</summary>
    public Var Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        for (int i = 0; i < _layers.Length; i++)
        {
            x = _layers[i].Forward(graph, x);
            if (i < _layers.Length - 1)
            {
                x = graph.Apply(Activation, x);
            }
        }

        return x;
    }
}
