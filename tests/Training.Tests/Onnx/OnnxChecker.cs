using System.Diagnostics;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// Runs tests/Transforms.Tests/Onnx/check_onnx.py (the reference <c>onnx</c> package's checker and strict shape
/// inference, through Debian's /usr/bin/python3 and python3-onnx) on exported model files.
/// </summary>
internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    private static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Onnx", "check_onnx.py");

    /// <summary>Checks every file and fails the test, naming each model that failed and why, unless all pass; returns the checker's report.</summary>
    public static string AssertValid(params string[] modelPaths)
    {
        var (exitCode, output) = Run(modelPaths);
        if (exitCode == 0)
        {
            foreach (var path in modelPaths)
            {
                Assert.Contains($"OK {path}", output, StringComparison.Ordinal);
            }

            return output;
        }

        Assert.Fail($"The independent ONNX checker rejected a model (exit code {exitCode}):{Environment.NewLine}{output}");
        return output;
    }

    /// <summary>Runs the checker and returns its exit code and combined output; fails the test if it cannot run at all.</summary>
    public static (int ExitCode, string Output) Run(params string[] modelPaths)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is missing: the ONNX export tests need Debian's python3 with python3-onnx (apt-get install python3-onnx).");
        }

        Assert.True(File.Exists(ScriptPath), $"The checker script was not copied next to the tests: {ScriptPath}");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath);
        foreach (var path in modelPaths)
        {
            start.ArgumentList.Add(path);
        }

        // Debian's python3 must see its own dist-packages, not a virtual environment or pyenv's.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The ONNX checker did not finish within 5 minutes.");
        }

        string output = stdout.Result + stderr.Result;
        if (output.Contains("package 'onnx' is missing", StringComparison.Ordinal))
        {
            Assert.Fail($"python3-onnx is not installed: install it with 'apt-get install python3-onnx' (Debian) so the independent ONNX checker can run.{Environment.NewLine}{output}");
        }

        return (process.ExitCode, output);
    }
}
