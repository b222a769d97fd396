using System.CommandLine;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// The <c>--threads</c>, <c>--seconds</c> and (optionally) <c>--batch-sizes</c> options of one <c>mlmix bench</c>
/// sub-command, and for those with a PyTorch reference <c>--pytorch</c>, <c>--python</c> and <c>--reference-dir</c>.
/// </summary>
internal sealed class BenchOptions
{
    private readonly Option<string> _threads;
    private readonly Option<double> _seconds;
    private readonly Option<string>? _batchSizes;
    private readonly string? _pyTorchScript;
    private readonly Option<bool>? _pyTorch;
    private readonly Option<string?>? _python;
    private readonly Option<string?>? _referenceDirectory;

    /// <summary>Creates the options.</summary>
    /// <param name="secondsDescription">What <c>--seconds</c> measures.</param>
    /// <param name="defaultBatchSizes">The default of <c>--batch-sizes</c>, or null for a table without batch sizes.</param>
    /// <param name="againstOnnxRuntime">Whether the table compares ours with ONNX Runtime (which then gets the same threads).</param>
    /// <param name="pyTorchScript">The PyTorch reference in benchmarks/reference that <c>--pytorch</c> runs (e.g. flow_torch.py), or null for none.</param>
    public BenchOptions(string secondsDescription, string? defaultBatchSizes, bool againstOnnxRuntime, string? pyTorchScript = null)
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

        if (pyTorchScript is not null)
        {
            _pyTorchScript = pyTorchScript;
            _pyTorch = new Option<bool>("--pytorch")
            {
                Description = $"Compare with the PyTorch reference {pyTorchScript} instead of ONNX Runtime: ours, then PyTorch at the same threads, then ours again, in one table.",
            };
            _python = new Option<string?>("--python")
            {
                Description = $"Python interpreter (with torch) for --pytorch (default: {PyTorchReference.DefaultInterpreter} when it exists, else python3 on PATH).",
            };
            _referenceDirectory = new Option<string?>("--reference-dir")
            {
                Description = $"Folder holding {pyTorchScript} for --pytorch (default: {PyTorchReference.ReferenceFolder} of the repository, found from the current folder upwards).",
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

        if (_pyTorch is not null)
        {
            command.Options.Add(_pyTorch);
            command.Options.Add(_python!);
            command.Options.Add(_referenceDirectory!);
        }
    }

    /// <summary>
    /// The checked values of a parse result (a <see cref="UsageException"/> for a bad one); with <c>--pytorch</c>, the
    /// interpreter and the script are found here, before anything is measured.
    /// </summary>
    public BenchSettings Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var settings = BenchSettings.Parse(parse.GetValue(_threads)!, parse.GetValue(_seconds), _batchSizes is null ? null : parse.GetValue(_batchSizes));
        if (_pyTorch is null)
        {
            return settings;
        }

        string? python = parse.GetValue(_python!);
        string? referenceDirectory = parse.GetValue(_referenceDirectory!);
        if (!parse.GetValue(_pyTorch))
        {
            return python is null && referenceDirectory is null
                ? settings
                : throw new UsageException("--python and --reference-dir go with --pytorch.");
        }

        return settings with { PyTorch = PyTorchReference.Locate(_pyTorchScript!, python, referenceDirectory, Directory.GetCurrentDirectory()) };
    }
}
