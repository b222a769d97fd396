using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <summary>A learnable tensor with the gradient that <see cref="Tape.Backward"/> accumulates into it.</summary>
public sealed class Parameter
{
    /// <summary>Creates a zero-initialised parameter.</summary>
    /// <param name="name">A name unique within its model, used in model files and exported graphs.</param>
    /// <param name="shape">The parameter's shape.</param>
    public Parameter(string name, params int[] shape)
        : this(name, new Tensor(shape))
    {
    }

    /// <summary>Creates a parameter around an existing value tensor.</summary>
    /// <param name="name">A name unique within its model, used in model files and exported graphs.</param>
    /// <param name="value">The initial value (not copied).</param>
    public Parameter(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Grad = new Tensor(value.ShapeArray());
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The current value.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient of the loss with respect to <see cref="Value"/>.</summary>
    public Tensor Grad { get; }

    /// <summary>When false, the optimizer leaves this parameter unchanged and no gradient flows into it.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>When false, decoupled weight decay (AdamW) skips this parameter (biases, normalisation scales).</summary>
    public bool ApplyWeightDecay { get; set; } = true;

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGrad() => Grad.Clear();

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Value}";
}
