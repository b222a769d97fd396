namespace MLNetMixture.Cli;

/// <summary>mlmix process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad input or usage: the message names the file, row and column, or the option.</summary>
    public const int BadInput = 1;

    /// <summary>An internal failure (a bug): please report it with the message.</summary>
    public const int InternalFailure = 2;
}
