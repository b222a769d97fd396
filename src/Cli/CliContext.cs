using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MLNetMixture.Cli;

/// <summary>Where a command writes: a console for people, and a single JSON result object with --json.</summary>
public sealed class CliContext
{
    /// <summary>Creates a context.</summary>
    public CliContext(TextWriter output, TextWriter error, bool json, CancellationToken cancellation)
    {
        Output = output;
        Error = error;
        Json = json;
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

    /// <summary>Signalled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Rich console for tables and progress (stderr when --json).</summary>
    public IAnsiConsole Console { get; }

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
