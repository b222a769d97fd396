using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Layers composed into one flow: <see cref="Forward"/> applies them first to last (data → latent) and
/// <see cref="Inverse"/> last to first (latent → data); the log-determinants add up. Hence
/// log p(x) = log p_base(Forward(x).Y) + Forward(x).LogDet.
/// </summary>
public sealed class FlowSequence : IFlowLayer, IDataDependentInitialization
{
    private readonly IFlowLayer[] _layers;

    /// <summary>Composes <paramref name="layers"/>, the first applied first to data.</summary>
    /// <param name="layers">At least one layer, all of the same dimension.</param>
    public FlowSequence(IEnumerable<IFlowLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
        if (_layers.Length == 0)
        {
            throw new ArgumentException("A flow needs at least one layer.", nameof(layers));
        }

        Dimension = _layers[0].Dimension;
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is null || _layers[i].Dimension != Dimension)
            {
                throw new ArgumentException($"Layer {i} has dimension {_layers[i]?.Dimension}; the flow's is {Dimension}.", nameof(layers));
            }
        }

        Parameters = _layers.SelectMany(l => l.Parameters).ToArray();
    }

    /// <summary>Composes <paramref name="layers"/>, the first applied first to data.</summary>
    /// <param name="layers">At least one layer, all of the same dimension.</param>
    public FlowSequence(params IFlowLayer[] layers)
        : this((IEnumerable<IFlowLayer>)layers)
    {
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>The layers, in the data → latent order.</summary>
    public IReadOnlyList<IFlowLayer> Layers => _layers;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (y, logDet) = _layers[0].Forward(graph, x);
        for (int i = 1; i < _layers.Length; i++)
        {
            (y, var layerLogDet) = _layers[i].Forward(graph, y);
            logDet = graph.Add(logDet, layerLogDet);
        }

        return (y, logDet);
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (x, logDet) = _layers[^1].Inverse(graph, y);
        for (int i = _layers.Length - 2; i >= 0; i--)
        {
            (x, var layerLogDet) = _layers[i].Inverse(graph, x);
            logDet = graph.Add(logDet, layerLogDet);
        }

        return (x, logDet);
    }

    /// <summary>
    /// Data-dependent initialisation of the whole stack: <paramref name="data"/> [N, D] is pushed through the
    /// layers in the forward direction, and each layer that supports it (e.g. <see cref="ActNormLayer"/>) is
    /// initialised from the batch as it arrives there, after the layers before it.
    /// </summary>
    /// <param name="data">A representative batch of data rows; it is not modified.</param>
    public void InitializeFrom(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tape = new Tape { RecordGradients = false };
        var current = data;
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is IDataDependentInitialization initialized)
            {
                initialized.InitializeFrom(current);
            }

            if (i < _layers.Length - 1)
            {
                var (y, _) = _layers[i].Forward(tape, tape.Constant(current));
                current = tape.Value(y).Clone();
                tape.Reset();
            }
        }
    }
}
