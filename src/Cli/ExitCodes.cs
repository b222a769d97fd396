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

    /// <summary>
    /// Stopped by Ctrl+C (128 + SIGINT, as shells report it). A stopped training run still saves the best parameters
    /// it had reached and says where; a stopped scoring or benchmark run writes nothing.
    /// </summary>
    public const int Cancelled = 130;
}
