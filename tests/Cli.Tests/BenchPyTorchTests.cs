using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Commands;

namespace MLNetMixture.Cli.Tests;

/// <summary>
/// <c>mlmix bench flow|moe --pytorch</c>: the options, each way the reference can fail, and the side-by-side table,
/// with a stand-in for the reference (a shell script run by /bin/sh in place of python, printing what a real one
/// might), so that none of these needs torch. One test runs the real flow_torch.py, only where
/// /usr/bin/python3 imports torch (skipped otherwise).
/// </summary>
public sealed class BenchPyTorchTests : IDisposable
{
    /// <summary>A --json result as reference_env.result() prints it, for 1 thread.</summary>
    private const string CannedJson =
        """{"torch":"9.9.9","blas":["/usr/lib/libopenblasp-r0.3.21.so"],"openblasKernel":"Haswell","openblasConfig":"OpenBLAS 0.3.21","unpinned":null,"cpu":"Test CPU 3000","simdBits":256,"assumedPeakGflopsPerCore":99.5,"script":"flow_torch.py","model":"test","loadAverage":[0.25,0.5,0.75],"perThreads":[{"threads":1,"training":{"samplesPerSecond":1000.0,"variant":"Adam, batch 512"},"inference":{"rowsPerSecond":2000.0,"variant":"no_grad, batches of 4,096"}}],"best":{"training":{"samplesPerSecond":1000.0,"variant":"Adam, batch 512","threads":1},"inference":{"rowsPerSecond":2000.0,"variant":"no_grad, batches of 4,096","threads":1}}}""";

    private static readonly string[] TinyFlow = ["bench", "flow", "--pytorch", "--threads", "1", "--seconds", "0.01", "--batch-sizes", "8,16"];

    private readonly string _directory = Directory.CreateTempSubdirectory("mlmix-bench-pytorch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Help_lists_the_reference_options_of_flow_and_moe()
    {
        foreach (string command in new[] { "flow", "moe" })
        {
            var (code, stdout, _) = ProgramTests.Run("bench", command, "--help");
            Assert.Equal(ExitCodes.Success, code);
            Assert.Contains("--pytorch", stdout, StringComparison.Ordinal);
            Assert.Contains("--python", stdout, StringComparison.Ordinal);
            Assert.Contains("--reference-dir", stdout, StringComparison.Ordinal);
            Assert.Contains(PyTorchReference.DefaultInterpreter, stdout, StringComparison.Ordinal);
        }

        Assert.Contains("--wide", ProgramTests.Run("bench", "moe", "--help").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flow", new[] { "--python", "/bin/sh" }, "--python and --reference-dir go with --pytorch")]
    [InlineData("moe", new[] { "--reference-dir", "." }, "--python and --reference-dir go with --pytorch")]
    [InlineData("flow", new[] { "--pytorch", "--python", "/no/such/python3" }, "--python /no/such/python3: no such file")]
    [InlineData("moe", new[] { "--pytorch", "--python", "no-such-python-mlmix" }, "--python no-such-python-mlmix: not found on PATH")]
    [InlineData("moe", new[] { "--wide", "--data-dir", "." }, "--data-dir goes with letter, not --wide")]
    public void A_bad_reference_option_exits_1_before_measuring(string command, string[] options, string message)
    {
        var (code, stdout, stderr) = ProgramTests.Run(["bench", command, "--seconds", "0.01", "--threads", "1", .. options]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Measuring ours", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_dir_without_the_script_is_named_with_the_script()
    {
        var (code, _, stderr) = ProgramTests.Run("bench", "flow", "--pytorch", "--python", "/bin/sh", "--reference-dir", _directory);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--reference-dir {_directory} does not hold flow_torch.py", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_script_is_found_upwards_or_the_error_says_where_it_looked_and_about_reference_dir()
    {
        string below = Directory.CreateDirectory(Path.Combine(_directory, "a", "b")).FullName;
        var e = Assert.Throws<UsageException>(() => PyTorchReference.FindScript("moe_torch.py", null, below));
        Assert.Contains($"benchmarks/reference/moe_torch.py in {below} or any folder above it", e.Message, StringComparison.Ordinal);
        Assert.Contains("--reference-dir", e.Message, StringComparison.Ordinal);

        string script = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "benchmarks", "reference")).FullName, "moe_torch.py");
        File.WriteAllText(script, string.Empty);
        Assert.Equal(script, PyTorchReference.FindScript("moe_torch.py", null, below));
    }

    [Fact]
    public void The_repository_scripts_are_found_from_the_test_folder()
    {
        foreach (string name in new[] { "flow_torch.py", "moe_torch.py" })
        {
            Assert.True(File.Exists(PyTorchReference.FindScript(name, null, AppContext.BaseDirectory)));
        }
    }

    [Fact]
    public void An_interpreter_that_cannot_be_started_is_named()
    {
        string notExecutable = Path.Combine(_directory, "python3");
        File.WriteAllText(notExecutable, "not a program");
        WriteReference("echo never run");
        var (code, _, stderr) = RunFlow([], python: notExecutable);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"Cannot run the Python interpreter {notExecutable}", stderr, StringComparison.Ordinal);
        Assert.Contains("--python", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_torch_passes_on_the_scripts_message_and_suggests_python()
    {
        WriteReference("""
            echo "error: /usr/bin/python3 cannot import torch (No module named 'torch'). Install PyTorch for this interpreter (Debian: apt-get install python3-torch libopenblas0-pthread) or run the script with one that has it." >&2
            exit 1
            """);
        var (code, _, stderr) = RunFlow([]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("stopped: /usr/bin/python3 cannot import torch (No module named 'torch')", stderr, StringComparison.Ordinal);
        Assert.Contains("pass --python with an interpreter that has torch", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reference_blas_passes_on_the_scripts_message()
    {
        WriteReference("""
            echo "# CPU: Test CPU"
            echo "error: this reference runs on the reference BLAS, not OpenBLAS, which makes torch about 4x slower and the comparison meaningless. Install it (Debian: apt-get install libopenblas0-pthread) and rerun." >&2
            exit 1
            """);
        var (code, _, stderr) = RunFlow([]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("runs on the reference BLAS", stderr, StringComparison.Ordinal);
        Assert.Contains("apt-get install libopenblas0-pthread", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_script_shows_its_exit_code_and_the_tail_of_its_stderr()
    {
        WriteReference("""
            i=0
            while [ $i -lt 30 ]; do echo "noise $i" >&2; i=$((i+1)); done
            echo "ZeroDivisionError: boom" >&2
            exit 3
            """);
        var (code, _, stderr) = RunFlow([]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("The PyTorch reference failed (exit code 3)", stderr, StringComparison.Ordinal);
        Assert.Contains("flow_torch.py --threads 1 --json", stderr, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError: boom", stderr, StringComparison.Ordinal);
        Assert.Contains("noise 29", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("noise 3\n", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo 'training samples/s best 123'")]
    [InlineData("echo '{\"torch\": \"2.0\", \"perThreads\": []}'")]
    [InlineData("echo '{not json'")]
    public void A_script_printing_no_json_result_shows_its_output(string body)
    {
        WriteReference(body + "\necho 'a warning' >&2");
        var (code, _, stderr) = RunFlow([]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("printed no JSON result as its last line", stderr, StringComparison.Ordinal);
        Assert.Contains("a warning", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_prints_ours_twice_pytorch_and_the_ratio_and_names_the_reference_machine()
    {
        WriteReference(CannedScript());
        var (code, stdout, stderr) = RunFlow([]);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("ours/s (1st)", stdout, StringComparison.Ordinal);
        Assert.Contains("ours/s (2nd)", stdout, StringComparison.Ordinal);
        Assert.Contains("ours/PyTorch", stdout, StringComparison.Ordinal);
        Assert.Contains("1,000", stdout, StringComparison.Ordinal);
        Assert.Contains("2,000", stdout, StringComparison.Ordinal);
        Assert.Contains("no_grad, batches of 4,096", stdout, StringComparison.Ordinal);
        Assert.Contains("PyTorch 9.9.9: OpenBLAS kernel Haswell; CPU Test CPU 3000, SIMD 256-bit, assumed peak 100 GFLOP/s per core; load before it ran 0.25 0.5 0.75", stdout, StringComparison.Ordinal);
        Assert.Contains("Each at its best thread count: training ours ", stdout, StringComparison.Ordinal);
        Assert.Contains("PyTorch 1,000/s (1 thread)", stdout, StringComparison.Ordinal);

        string[] lines = stdout.Split('\n');
        int first = Array.FindIndex(lines, l => l.Contains("Measuring ours (run 1", StringComparison.Ordinal));
        int reference = Array.FindIndex(lines, l => l.Contains("Running the PyTorch reference", StringComparison.Ordinal));
        int second = Array.FindIndex(lines, l => l.Contains("Measuring ours (run 2", StringComparison.Ordinal));
        Assert.True(first >= 0 && first < reference && reference < second, stdout);
    }

    [Fact]
    public void Flow_json_carries_the_reference_figures_and_the_ratios_and_the_script_gets_the_threads_and_a_matched_time()
    {
        WriteReference(CannedScript());
        var (code, stdout, stderr) = RunFlow(["--json"]);
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("bench flow", result["command"]!.GetValue<string>());
        Assert.Equal("Haswell", result["pytorch"]!["openblasKernel"]!.GetValue<string>());
        Assert.Equal("9.9.9", result["pytorch"]!["torch"]!.GetValue<string>());
        var rows = result["comparison"]!.AsArray();
        Assert.Equal(["training", "log-density"], rows.Select(r => r!["what"]!.GetValue<string>()));
        Assert.Equal([1000.0, 2000.0], rows.Select(r => r!["pytorchPerSecond"]!.GetValue<double>()));
        foreach (var row in rows)
        {
            double ours = Math.Max(row!["oursFirstPerSecond"]!.GetValue<double>(), row["oursSecondPerSecond"]!.GetValue<double>());
            Assert.True(ours > 0);
            Assert.Equal(Math.Round(ours / row["pytorchPerSecond"]!.GetValue<double>(), 3), row["oursOverPyTorch"]!.GetValue<double>(), 2);
        }

        Assert.Equal(1, result["best"]!["training"]!["pytorch"]!["threads"]!.GetValue<int>());
        Assert.True(result["best"]!["inference"]!["oursOverPyTorch"]!.GetValue<double>() > 0);
        Assert.Equal(
            ["--threads", "1", "--json", "--seconds", (0.01 / 3).ToString("0.####", CultureInfo.InvariantCulture), "--repeats", "3"],
            File.ReadAllLines(Path.Combine(_directory, "args.txt")).Skip(1));
    }

    [Fact]
    public void Moe_runs_moe_torch_with_matched_epochs_and_seconds_and_compares_soft_inference()
    {
        WriteReference(CannedScript(), "moe_torch.py");
        var (code, stdout, stderr) = ProgramTests.Run("bench", "moe", "--pytorch", "--python", "/bin/sh", "--reference-dir", _directory, "--threads", "1", "--seconds", "0.01", "--batch-sizes", "64", "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("bench moe", result["command"]!.GetValue<string>());
        Assert.StartsWith("MoE letter", result["model"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["training", "soft inference"], result["comparison"]!.AsArray().Select(r => r!["what"]!.GetValue<string>()));
        Assert.Equal(["--threads", "1", "--json", "--epochs", "2", "--seconds", "0.01"], File.ReadAllLines(Path.Combine(_directory, "args.txt")).Skip(1));
    }

    [Fact]
    public void Flow_against_the_real_flow_torch_py_when_torch_is_installed()
    {
        Assert.SkipUnless(TorchImports(), $"needs {PyTorchReference.DefaultInterpreter} with torch (python3 -c 'import torch' failed or there is no such interpreter)");
        var (code, stdout, stderr) = ProgramTests.Run("bench", "flow", "--pytorch", "--threads", "1", "--seconds", "0.05", "--batch-sizes", "64", "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.False(string.IsNullOrEmpty(result["pytorch"]!["torch"]!.GetValue<string>()));
        Assert.Contains(result["pytorch"]!["blas"]!.AsArray(), l => l!.GetValue<string>().Contains("openblas", StringComparison.Ordinal));
        Assert.All(result["comparison"]!.AsArray(), r => Assert.True(r!["pytorchPerSecond"]!.GetValue<double>() > 0));
    }

    private static bool TorchImports()
    {
        if (!File.Exists(PyTorchReference.DefaultInterpreter))
        {
            return false;
        }

        using var python = Process.Start(new ProcessStartInfo(PyTorchReference.DefaultInterpreter, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        python.StandardOutput.ReadToEnd();
        python.StandardError.ReadToEnd();
        python.WaitForExit();
        return python.ExitCode == 0;
    }

    /// <summary>A stand-in reference printing a human line and <see cref="CannedJson"/>.</summary>
    private static string CannedScript() => "echo '# CPU: Test CPU 3000'\necho '" + CannedJson + "'";

    /// <summary>
    /// Writes the stand-in reference as <paramref name="name"/> in the temporary folder: a shell script that /bin/sh
    /// (passed as --python) runs; it first writes its arguments, one a line, to args.txt beside it.
    /// </summary>
    private void WriteReference(string body, string name = "flow_torch.py") =>
        File.WriteAllText(Path.Combine(_directory, name), "printf '%s\\n' \"$0\" \"$@\" > \"$(dirname \"$0\")/args.txt\"\n" + body + "\n");

    private (int Code, string Stdout, string Stderr) RunFlow(string[] options, string python = "/bin/sh") =>
        ProgramTests.Run([.. TinyFlow, "--python", python, "--reference-dir", _directory, .. options]);
}
