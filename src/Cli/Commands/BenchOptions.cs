using System.CommandLine;

namespace MLNetMixture.Cli.Commands;

/// <summary>The <c>--threads</c>, <c>--seconds</c> and (optionally) <c>--batch-sizes</c> options of one <c>mlmix bench</c> sub-command.</summary>
internal sealed class BenchOptions
{
    private readonly Option<string> _threads;
    private readonly Option<double> _seconds;
    private readonly Option<string>? _batchSizes;

    /// <summary>Creates the options.</summary>
    /// <param name="secondsDescription">What <c>--seconds</c> measures.</param>
    /// <param name="defaultBatchSizes">The default of <c>--batch-sizes</c>, or null for a table without batch sizes.</param>
    /// <param name="againstOnnxRuntime">Whether the table compares ours with ONNX Runtime (which then gets the same threads).</param>
    public BenchOptions(string secondsDescription, string? defaultBatchSizes, bool againstOnnxRuntime)
    {
        _threads = new Option<string>("--threads")
        {
            Description = "Threads: one count or a comma-separated list such as 1,2, each measured in turn (0 = every core)"
                + (againstOnnxRuntime ? "; ours and ONNX Runtime get the same." : "."),
            DefaultValueFactory = _ => "0",
        };
        _seconds = new Option<double>("--seconds") { Description = secondsDescription, DefaultValueFactory = _ => 1.0 };
        if (defaultBatchSizes is not null)
        {
            _batchSizes = new Option<string>("--batch-sizes")
            {
                Description = $"Rows per call, comma-separated (1 to {BenchSettings.MaximumBatchSize:N0}).",
                DefaultValueFactory = _ => defaultBatchSizes,
            };
        }
    }

    /// <summary>
    /// A sub-command carrying these options, whose action checks them and runs <paramref name="run"/> with the
    /// output context, the settings and the parse result (for options of its own).
    /// </summary>
    public Command CreateCommand(string name, string description, Func<ParseResult, CliContext> context, Func<CliContext, BenchSettings, ParseResult, int> run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        var command = new Command(name, description);
        AddTo(command);
        command.SetAction(pr => run(context(pr), Read(pr), pr));
        return command;
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_threads);
        command.Options.Add(_seconds);
        if (_batchSizes is not null)
        {
            command.Options.Add(_batchSizes);
        }
    }

    /// <summary>The checked values of a parse result (a <see cref="UsageException"/> for a bad one).</summary>
    public BenchSettings Read(ParseResult parse) =>
        BenchSettings.Parse(parse.GetValue(_threads)!, parse.GetValue(_seconds), _batchSizes is null ? null : parse.GetValue(_batchSizes));
}
