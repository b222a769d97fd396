using System.Diagnostics;
using System.Text;

namespace MLNetMixture.Cli.Tests;

/// <summary>mlmix run as a process with its output redirected to a file, under a TERM that advertises colours.</summary>
public sealed class RedirectedOutputTests(TrainedMixtureOfExpertsFixture fixture) : IClassFixture<TrainedMixtureOfExpertsFixture>
{
    private const char Escape = '\u001b';

    [Fact]
    public void Redirected_output_has_no_escape_codes_and_long_lines_are_not_wrapped()
    {
        // A data file whose path alone is longer than 80 columns: the "Evaluated on <path>:" line must stay one line.
        string folder = Path.Combine(fixture.Directory, "a-folder-whose-name-is-long-enough-to-push-the-evaluated-on-line-past-eighty-columns");
        Directory.CreateDirectory(folder);
        string data = Path.Combine(folder, "digits_test_slice.csv");
        File.Copy(fixture.TestPath, data, overwrite: true);

        var (code, stdout, stderr) = RunMlmix("moe", "evaluate", "--model", fixture.ModelPath, "--data", data);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.DoesNotContain(Escape, stdout);
        Assert.Contains($"\nEvaluated on {data}:", "\n" + stdout, StringComparison.Ordinal);
        Assert.Contains("confusion matrix (rows: true, columns: predicted)", stdout, StringComparison.Ordinal);

        (code, stdout, stderr) = RunMlmix("bench", "gemm", "--seconds", "0.01", "--threads", "1");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.DoesNotContain(Escape, stdout);
        Assert.Contains("threads 1; ", stdout, StringComparison.Ordinal); // the footer naming the machine
        Assert.Single(stdout.Split('\n'), l => l.Contains("threads 1; ", StringComparison.Ordinal));
    }

    private static (int Code, string Stdout, string Stderr) RunMlmix(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlmix.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLORTERM"] = "truecolor";
        start.Environment.Remove("NO_COLOR");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("mlmix did not finish in 3 minutes.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
