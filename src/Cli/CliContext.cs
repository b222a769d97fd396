using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MLNetMixture.Cli;

/// <summary>Where a command writes: a console for people, and a single JSON result object with --json.</summary>
public sealed class CliContext
{
    /// <summary>Creates a context.</summary>
    public CliContext(TextWriter output, TextWriter error, bool json, CancellationToken cancellation, bool quiet = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        Output = output;
        Error = error;
        Json = json;
        Quiet = quiet;
        Cancellation = cancellation;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(json ? error : output),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
        });
    }

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether the command prints one machine-readable JSON object (human output goes to stderr).</summary>
    public bool Json { get; }

    /// <summary>Whether progress lines and informational messages are suppressed (results, warnings and errors are still printed).</summary>
    public bool Quiet { get; }

    /// <summary>
    /// Whether a person is watching a terminal: no --json, standard output and error are the real, unredirected console
    /// and Spectre considers it interactive. Live progress displays are shown only then; otherwise progress is one plain
    /// line per epoch on standard error.
    /// </summary>
    public bool Interactive =>
        !Json
        && ReferenceEquals(Output, System.Console.Out)
        && !System.Console.IsOutputRedirected
        && !System.Console.IsErrorRedirected
        && Console.Profile.Capabilities.Interactive;

    /// <summary>Signalled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Rich console for tables and progress (stderr when --json).</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Writes a warning to standard error (always, even with --quiet or --json).</summary>
    public void Warn(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Error.WriteLine(message.StartsWith("warning:", StringComparison.Ordinal) ? message : "warning: " + message);
    }

    /// <summary>Writes an informational line for people (stdout, or stderr with --json); nothing with --quiet.</summary>
    public void Info(string message)
    {
        if (!Quiet)
        {
            (Json ? Error : Output).WriteLine(message);
        }
    }

    /// <summary>Writes the JSON result object to stdout (only with --json).</summary>
    public void WriteResult(JsonObject result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (Json)
        {
            Output.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }
}
