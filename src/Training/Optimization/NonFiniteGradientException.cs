namespace MLNetMixture.Training.Optimization;

/// <summary>
/// A gradient contains NaN or infinity, so its norm is not finite and no update can be trusted (thrown by
/// <see cref="GradientClipping.ClipByGlobalNorm(IReadOnlyList{MLNetMixture.Training.Autodiff.Parameter}, float, bool)"/> when asked to).
/// </summary>
public sealed class NonFiniteGradientException : ArithmeticException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NonFiniteGradientException()
        : base("A gradient contains NaN or infinity.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NonFiniteGradientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public NonFiniteGradientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a named parameter.</summary>
    /// <param name="parameterName">The first parameter whose gradient is not finite.</param>
    /// <param name="containsNaN">True when that gradient holds a NaN, false when it holds only infinities.</param>
    public NonFiniteGradientException(string parameterName, bool containsNaN)
        : base($"The gradient of parameter '{parameterName}' contains {(containsNaN ? "NaN" : "infinity")}; the loss or a layer overflowed or divided by zero.")
    {
        ParameterName = parameterName;
        ContainsNaN = containsNaN;
    }

    /// <summary>The first parameter (in optimizer order) whose gradient is not finite, when known.</summary>
    public string? ParameterName { get; }

    /// <summary>True when the offending gradient holds a NaN; false when it holds infinities only (or when unknown).</summary>
    public bool ContainsNaN { get; }
}
