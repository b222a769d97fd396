using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// A PyTorch reference script of benchmarks/reference (flow_torch.py, moe_torch.py) and the Python interpreter that
/// runs it with <c>--json</c> for <c>mlmix bench flow --pytorch</c> and <c>mlmix bench moe --pytorch</c>. The script
/// is run with this process's environment unchanged: it removes the OpenBLAS pinning variables for itself
/// (reference_env.prepare). Every problem (no interpreter, no script, no torch, the reference BLAS, a failing script,
/// no JSON result) is a <see cref="UsageException"/> saying what to do.
/// </summary>
/// <param name="Interpreter">The Python interpreter (a full path).</param>
/// <param name="Script">The script (a full path).</param>
internal sealed record PyTorchReference(string Interpreter, string Script)
{
    /// <summary>The interpreter used without <c>--python</c> when it exists (Debian's, which has python3-torch); else python3 on PATH.</summary>
    public const string DefaultInterpreter = "/usr/bin/python3";

    /// <summary>Where the scripts are, relative to the repository root.</summary>
    public static readonly string ReferenceFolder = Path.Combine("benchmarks", "reference");

    /// <summary>Lines of the script's output shown when it fails.</summary>
    private const int TailLines = 15;

    /// <summary>
    /// Finds the interpreter (<paramref name="python"/>, else <see cref="DefaultInterpreter"/> or python3 on PATH) and
    /// the script (in <paramref name="referenceDirectory"/>, else in benchmarks/reference of the current folder or
    /// the nearest folder above it that has one).
    /// </summary>
    /// <param name="scriptName">The script's file name, e.g. flow_torch.py.</param>
    /// <param name="python">--python, or null.</param>
    /// <param name="referenceDirectory">--reference-dir, or null.</param>
    /// <param name="start">The folder the upward search starts from.</param>
    public static PyTorchReference Locate(string scriptName, string? python, string? referenceDirectory, string start) =>
        new(FindInterpreter(python), FindScript(scriptName, referenceDirectory, start));

    /// <summary>The interpreter: <paramref name="python"/> (a path, or a name looked up on PATH), else the default.</summary>
    public static string FindInterpreter(string? python)
    {
        if (python is null)
        {
            if (File.Exists(DefaultInterpreter))
            {
                return DefaultInterpreter;
            }

            return OnPath("python3")
                ?? throw new UsageException($"No Python interpreter for the PyTorch reference: {DefaultInterpreter} does not exist and python3 is not on PATH; install Python 3 with torch or pass --python.");
        }

        if (python.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || python.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(python)
                ? Path.GetFullPath(python)
                : throw new UsageException($"--python {python}: no such file; pass the path of a Python interpreter that can import torch.");
        }

        return OnPath(python) ?? throw new UsageException($"--python {python}: not found on PATH; pass the path of a Python interpreter that can import torch.");
    }

    /// <summary>The script: in <paramref name="referenceDirectory"/> when given, else searched upwards from <paramref name="start"/>.</summary>
    public static string FindScript(string scriptName, string? referenceDirectory, string start)
    {
        if (referenceDirectory is not null)
        {
            string given = Path.GetFullPath(Path.Combine(referenceDirectory, scriptName));
            return File.Exists(given)
                ? given
                : throw new UsageException($"--reference-dir {referenceDirectory} does not hold {scriptName}; pass the repository's {ReferenceFolder} folder.");
        }

        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ReferenceFolder, scriptName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new UsageException($"Cannot find the PyTorch reference {Path.Combine(ReferenceFolder, scriptName)} in {start} or any folder above it; run from the repository or pass --reference-dir with the folder holding {scriptName}.");
    }

    /// <summary>The command line of a run, for people.</summary>
    public string CommandLine(IReadOnlyList<int> threads, IEnumerable<string> arguments) =>
        string.Join(" ", Arguments(threads, arguments).Prepend(Interpreter));

    /// <summary>
    /// Runs <c>script --threads t1,t2 --json arguments</c> and reads its JSON result line; Ctrl+C stops it (and its
    /// child processes).
    /// </summary>
    /// <param name="threads">The thread counts, as ours were measured at.</param>
    /// <param name="arguments">The script's other arguments (its measuring time).</param>
    /// <param name="cancellationToken">Stops the script.</param>
    public ReferenceFigures Run(IReadOnlyList<int> threads, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(threads);
        ArgumentNullException.ThrowIfNull(arguments);
        var args = Arguments(threads, arguments).ToArray();
        var start = new ProcessStartInfo(Interpreter)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new UsageException($"Cannot run the Python interpreter {Interpreter} ({e.Message}); pass --python with one that can import torch.", e);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string output = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();
        string name = Path.GetFileName(Script);
        if (process.ExitCode != 0)
        {
            var said = errors.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith("error:", StringComparison.Ordinal))
                .Select(l => l["error:".Length..].Trim())
                .ToList();
            if (said.Count > 0)
            {
                string hint = said.Any(l => l.Contains("cannot import", StringComparison.Ordinal)) ? " For mlmix: pass --python with an interpreter that has torch." : string.Empty;
                throw new UsageException($"The PyTorch reference {name} run by {Interpreter} stopped: {string.Join(" ", said)}{hint}");
            }

            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"The PyTorch reference failed (exit code {process.ExitCode}): {CommandLine(threads, arguments)}\n{Tail("stderr", errors)}"));
        }

        return ReferenceFigures.Parse(output)
            ?? throw new UsageException($"The PyTorch reference printed no JSON result as its last line: {CommandLine(threads, arguments)}\n{Tail("stdout", output)}\n{Tail("stderr", errors)}");
    }

    private IEnumerable<string> Arguments(IReadOnlyList<int> threads, IEnumerable<string> arguments) =>
        new[] { Script, "--threads", string.Join(",", threads.Select(t => t.ToString(CultureInfo.InvariantCulture))), "--json" }.Concat(arguments);

    private static string Tail(string stream, string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return $"(its {stream} was empty)";
        }

        string head = lines.Length > TailLines ? $"the last {TailLines} lines of its {stream}:" : $"its {stream}:";
        return head + "\n" + string.Join("\n", lines.TakeLast(TailLines).Select(l => "  " + l));
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
