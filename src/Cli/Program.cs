using System.CommandLine;
using MLNetMixture.Cli.Commands;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Persistence;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli;

/// <summary>The mlmix entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>An <see cref="ExitCodes"/> value: 0 on success, 1 for bad input or usage, 2 for an internal failure, 130 when stopped by Ctrl+C.</returns>
    public static int Main(string[] args)
    {
        using var interrupt = new InterruptSignal();
        System.Console.CancelKeyPress += (_, e) => e.Cancel = interrupt.Request(); // the command says it is stopping
        return Run(args, System.Console.Out, System.Console.Error, interrupt.Token);
    }

    /// <summary>Runs the command line with the given writers (used by tests).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var json = new Option<bool>("--json") { Description = "Print one machine-readable JSON result object on stdout.", Recursive = true };
        var root = new RootCommand("mlmix: mixture-density flows and mixture-of-experts classifiers — fit, evaluate, sample, report, export to ONNX, score, benchmark.");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Hide progress (the live display, per-epoch lines, what is being read); results, warnings and errors still print.", Recursive = true };
        root.Options.Add(json);
        root.Options.Add(quiet);
        var commands = new List<ICliCommand>
        {
            new DemoCommand(),
            new BenchCommand(),
            new MixtureOfExpertsCommand(),
            new ExportCommand(),
            new OnnxCommand(),
            new FlowCommand(),
            new ReportCommand(),
        };
        foreach (var c in commands)
        {
            root.Subcommands.Add(c.Build(pr => new CliContext(output, error, pr.GetValue(json), cancellationToken, pr.GetValue(quiet))));
        }

        var parse = root.Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine("Stopped by Ctrl+C before the command finished.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
            error.WriteLine(e.StackTrace);
            return ExitCodes.InternalFailure;
        }
    }

    private static bool IsBadInput(Exception e) =>
        e is UsageException or DataFormatException or ModelFileException or FileNotFoundException or DirectoryNotFoundException
            or ExecutionProviderUnavailableException or UnauthorizedAccessException;
}
