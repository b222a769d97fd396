namespace MLNetMixture.Cli;

/// <summary>The mlmix entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>0 on success, 1 for bad input or usage, 2 for an internal failure.</returns>
    public static int Main(string[] args) => 0;
}
