namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>How a gradient-check input enters the tape and what is expected of its gradient.</summary>
internal enum InputRole
{
    /// <summary>A <c>tape.Variable</c>; its gradient must match central differences of the reference.</summary>
    Differentiable,

    /// <summary>A <see cref="MLNetMixture.Training.Autodiff.Parameter"/> through <c>tape.Param</c>; its <c>Grad</c> must match central differences.</summary>
    Parameter,

    /// <summary>A <c>tape.Variable</c> that the op must not differentiate: its gradient must be absent or zero.</summary>
    NoGradient,

    /// <summary>A <c>tape.Constant</c>; not checked.</summary>
    Constant,
}
