using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Layers;

/// <summary>Applies an <see cref="Activation"/> in any <see cref="IComputeGraph"/>.</summary>
public static class ActivationExtensions
{
    /// <summary>Applies <paramref name="activation"/> to <paramref name="x"/>.</summary>
    public static Var Apply(this IComputeGraph graph, Activation activation, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return activation switch
        {
            Activation.Relu => graph.Relu(x),
            Activation.Tanh => graph.Tanh(x),
            Activation.Elu => graph.Elu(x),
            Activation.Gelu => graph.Gelu(x),
            Activation.Softplus => graph.Softplus(x),
            Activation.Sigmoid => graph.Sigmoid(x),
            Activation.Identity => x,
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
        };
    }
}
