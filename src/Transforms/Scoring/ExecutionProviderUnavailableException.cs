namespace MLNetMixture.Transforms.Scoring;

/// <summary>The requested execution provider cannot be used; the message says what is missing (provider library, driver or device).</summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutionProviderUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExecutionProviderUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ExecutionProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
