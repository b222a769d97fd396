using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MLNetMixture.Cli;

/// <summary>Where a command writes: a console for people, and a single JSON result object with --json.</summary>
public sealed class CliContext
{
    /// <summary>Creates a context.</summary>
    public CliContext(TextWriter output, TextWriter error, bool json, CancellationToken cancellationToken, bool quiet = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        Output = output;
        Error = error;
        Json = json;
        Quiet = quiet;
        Cancellation = cancellationToken;
        var consoleWriter = json ? error : output;
        bool toTerminal = json
            ? ReferenceEquals(consoleWriter, System.Console.Error) && !System.Console.IsErrorRedirected
            : ReferenceEquals(consoleWriter, System.Console.Out) && !System.Console.IsOutputRedirected;
        Console = toTerminal ? TerminalConsole(consoleWriter) : RedirectedConsole(consoleWriter);
    }

    /// <summary>
    /// The line width of rich output written to a file or pipe: wide enough that tables and long paths are never
    /// wrapped (a redirected console has no width; Spectre would otherwise assume 80 columns).
    /// </summary>
    public const int RedirectedWidth = 4096;

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether the command prints one machine-readable JSON object (human output goes to stderr).</summary>
    public bool Json { get; }

    /// <summary>Whether progress is hidden (live display, per-epoch lines, what is being read); results, warnings and errors still print.</summary>
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

    /// <summary>A console for a person at a terminal: colours, links and live displays as the terminal supports.</summary>
    private static IAnsiConsole TerminalConsole(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Detect,
    });

    /// <summary>
    /// A console for a file, a pipe or a test's writer: plain text only (no ANSI colour or OSC link escapes, whatever
    /// TERM says), nothing interactive, and lines as long as they are.
    /// </summary>
    private static IAnsiConsole RedirectedConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = RedirectedWidth;
        console.Profile.Capabilities.Links = false;
        return console;
    }

    /// <summary>Writes a warning to standard error (always, even with --quiet or --json).</summary>
    public void Warn(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Error.WriteLine(message.StartsWith("warning:", StringComparison.Ordinal) ? message : "warning: " + message);
    }

    /// <summary>Writes a progress line for people, e.g. what is being trained on (stdout, or stderr with --json); nothing with --quiet.</summary>
    public void WriteProgressLine(string message)
    {
        if (!Quiet)
        {
            WriteResultLine(message);
        }
    }

    /// <summary>Writes a result line for people, e.g. what was written where (stdout, or stderr with --json); also with --quiet.</summary>
    public void WriteResultLine(string message) => (Json ? Error : Output).WriteLine(message);

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
