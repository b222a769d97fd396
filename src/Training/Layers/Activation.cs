namespace MLNetMixture.Training.Layers;

/// <summary>Hidden-layer non-linearities of <see cref="Mlp"/>.</summary>
public enum Activation
{
    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Exponential linear unit (alpha = 1).</summary>
    Elu,

    /// <summary>Exact Gaussian error linear unit.</summary>
    Gelu,

    /// <summary>log(1 + e^x).</summary>
    Softplus,

    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,

    /// <summary>No non-linearity.</summary>
    Identity,
}
