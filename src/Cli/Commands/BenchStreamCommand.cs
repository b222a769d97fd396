using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix bench stream</c>: writes a synthetic CSV of N rows × 43 features in a temporary folder, fits a small flow
/// to its first rows, scores the whole file through <c>flow score</c>'s code path (batches of --rows-per-batch rows)
/// and reports rows/s and the peak resident memory (VmHWM of /proc/self/status, reset just before scoring where the
/// kernel allows). The folder is deleted afterwards.
/// </summary>
internal static class BenchStreamCommand
{
    /// <summary>Features per synthetic row (as MiniBooNE's).</summary>
    public const int Features = SyntheticMixtureCsv.Features;

    /// <summary>Builds the sub-command.</summary>
    public static Command Build(Func<ParseResult, CliContext> context)
    {
        var cmd = new Command("stream", "Streaming scoring: generate a synthetic N x 43 CSV in a temporary folder, score it with a flow through flow score's batched path, print rows/s and peak RSS.");
        var rows = new Option<long>("--rows", "-n") { Description = "Rows of the synthetic file.", DefaultValueFactory = _ => 20_000_000 };
        var rowsPerBatch = RowsPerBatchOption.Create();
        var folder = new Option<string?>("--folder") { Description = "Where the temporary folder goes (needs about 400 bytes per row of free space); default: the system temporary folder." };
        foreach (var o in new Option[] { rows, rowsPerBatch, folder })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Run(context(pr), pr.GetValue(rows), pr.GetValue(rowsPerBatch), pr.GetValue(folder)));
        return cmd;
    }

    private static int Run(CliContext ctx, long rows, int rowsPerBatch, string? parent)
    {
        if (rows < 1)
        {
            throw new UsageException($"--rows must be at least 1; got {rows}.");
        }

        string root = parent is null
            ? Directory.CreateTempSubdirectory("mlmix-bench-stream-").FullName
            : Directory.CreateDirectory(Path.Combine(parent, $"mlmix-bench-stream-{Guid.NewGuid():N}")).FullName;
        try
        {
            string data = Path.Combine(root, "synthetic.csv");
            string model = Path.Combine(root, "flow.mlmix");
            string output = Path.Combine(root, "scores.csv");
            ctx.WriteProgressLine(string.Create(CultureInfo.InvariantCulture, $"Writing {rows:N0} rows x {Features} features to {data} ..."));
            var generate = Stopwatch.StartNew();
            SyntheticMixtureCsv.Write(data, rows, ctx.Cancellation);
            generate.Stop();
            long bytes = new FileInfo(data).Length;

            FitFlowInChildProcess(data, model, ctx.Cancellation);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            bool reset = PeakResidentMemory.TryReset();
            long before = PeakResidentMemory.Kib();
            var quiet = new CliContext(TextWriter.Null, TextWriter.Null, json: false, ctx.Cancellation, quiet: true);
            var score = Stopwatch.StartNew();
            FlowCommand.Score(quiet, model, data, output, features: null, rowsPerBatch);
            score.Stop();
            long peak = PeakResidentMemory.Kib();
            double rate = rows / score.Elapsed.TotalSeconds;
            string load = PeakResidentMemory.LoadAverage();
            ctx.WriteResultLine(string.Create(CultureInfo.InvariantCulture,
                $"Scored {rows:N0} rows x {Features} features ({bytes / 1048576.0:N0} MiB of CSV, written in {generate.Elapsed.TotalSeconds:F1} s) with a spline flow (5 layers, 64-64, K = 4) in {score.Elapsed.TotalSeconds:F1} s: {rate:N0} rows/s, {rowsPerBatch:N0} rows per batch."));
            ctx.WriteResultLine(string.Create(CultureInfo.InvariantCulture,
                $"Peak RSS (VmHWM) {peak / 1024.0:N0} MiB{(reset ? " while scoring (reset before it)" : " over the whole run (the kernel did not allow a reset)")}; {MachineDescription.CpuName}, {MachineDescription.Cores} cores, load average {load} at the end."));
            ctx.WriteResult(new JsonObject
            {
                ["command"] = "bench stream",
                ["rows"] = rows,
                ["features"] = Features,
                ["rowsPerBatch"] = rowsPerBatch,
                ["csvBytes"] = bytes,
                ["generateSeconds"] = generate.Elapsed.TotalSeconds,
                ["scoreSeconds"] = score.Elapsed.TotalSeconds,
                ["rowsPerSecond"] = rate,
                ["peakResidentMiB"] = peak / 1024.0,
                ["peakResidentBeforeScoringMiB"] = before / 1024.0,
                ["peakResetBeforeScoring"] = reset,
                ["cpu"] = MachineDescription.CpuName,
                ["cores"] = MachineDescription.Cores,
                ["loadAverage"] = load,
            });
            return ExitCodes.Success;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Fits the flow with <c>mlmix flow fit</c> (a spline flow, K = 4, one epoch) on the file's first 4,096 rows
    /// in a child process, so that training's memory does not count in this process's peak.
    /// </summary>
    private static void FitFlowInChildProcess(string data, string model, CancellationToken cancellation)
    {
        string train = Path.Combine(Path.GetDirectoryName(data)!, "train.csv");
        File.WriteAllLines(train, File.ReadLines(data).Take(4097));
        // mlmix's own host beside mlmix.dll, else the dotnet host running mlmix.dll (also when called from a test host).
        string assembly = typeof(BenchStreamCommand).Assembly.Location;
        string host = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        bool ownHost = File.Exists(host);
        string executable = ownHost ? host : "dotnet";
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!ownHost)
        {
            start.ArgumentList.Add(assembly);
        }

        start.Environment.Remove("DOTNET_GCHeapHardLimit"); // a limit set to check the scoring's bound is not the fit's

        foreach (string argument in new[] { "flow", "fit", "--train", train, "--flow", "spline", "--epochs", "1", "--components", "4", "--model", model, "--quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {executable}.");
        var stdout = child.StandardOutput.ReadToEndAsync(cancellation);
        string stderr = child.StandardError.ReadToEnd();
        child.WaitForExit();
        _ = stdout.Result;
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"mlmix flow fit exited with code {child.ExitCode}: {stderr.Trim()}");
        }
    }
}
