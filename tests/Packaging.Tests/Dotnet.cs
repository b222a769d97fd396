using System.Diagnostics;
using System.Text;

namespace MLNetMixture.Packaging.Tests;

/// <summary>The result of one child process: exit code and everything it printed.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The command, exit code, time and both streams, for assertion messages.</summary>
    public string Describe() =>
        $"`{CommandLine}` exited {ExitCode} after {Elapsed.TotalSeconds:F0} s\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Tail(string text) => text.Length <= 20_000 ? text : "...\n" + text[^20_000..];
}

/// <summary>Runs the dotnet CLI and programs in child processes with a time limit.</summary>
internal static class Dotnet
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, killing it after <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        // The test host may run under `dotnet test`, whose MSBuild settings must not leak into the builds started
        // here; no telemetry, banners or build servers that outlive the command (and hold its output open).
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        string commandLine = fileName + " " + string.Join(' ', start.ArgumentList);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {commandLine}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
            Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10));
            var partial = new ProcessResult(commandLine, -1, Completed(stdout), Completed(stderr), clock.Elapsed);
            throw new TimeoutException($"Killed after {timeout.TotalSeconds:F0} s: {partial.Describe()}");
        }

        // A grandchild that inherited the pipes could keep them open: wait for the output a bounded time only.
        Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(30));
        return new ProcessResult(commandLine, process.ExitCode, Completed(stdout), Completed(stderr), clock.Elapsed);
    }

    /// <summary>Runs the dotnet CLI.</summary>
    public static ProcessResult Cli(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run("dotnet", arguments, workingDirectory, timeout);

    private static string Completed(Task<string> text) => text.IsCompletedSuccessfully ? text.Result : "(output not complete)";
}
