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

    /// <summary>
    /// <c>activation(Linear(x, weight, bias))</c>. On a <see cref="Tape"/> a ReLU is fused into the matrix product
    /// (<see cref="Tape.LinearRelu"/>: no separate pass over the activations); any other graph, or activation, gets the
    /// two ops, so exported graphs are unchanged.
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="activation">The activation after the linear map.</param>
    /// <param name="x">Inputs [N, In].</param>
    /// <param name="weight">Weight [Out, In].</param>
    /// <param name="bias">Bias [Out], or null.</param>
    public static Var LinearThen(this IComputeGraph graph, Activation activation, Var x, Var weight, Var? bias)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return activation == Activation.Relu && graph is Tape tape
            ? tape.LinearRelu(x, weight, bias)
            : graph.Apply(activation, graph.Linear(x, weight, bias));
    }
}
