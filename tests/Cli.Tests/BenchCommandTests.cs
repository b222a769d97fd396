using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Tests;

/// <summary>
/// The bench sub-commands in a tiny mode (very short measurements, one small batch size): they succeed and their
/// --json results carry the expected fields with positive rates. Nothing here asserts a timing.
/// </summary>
public sealed class BenchCommandTests
{
    private static readonly string[] Tiny = ["--seconds", "0.01", "--threads", "1", "--json"];

    [Fact]
    public void Bench_flow_reports_training_and_log_density_rates_for_ours_and_onnx_runtime()
    {
        var result = RunJson(["bench", "flow", "--batch-sizes", "8,16", .. Tiny]);
        Assert.Equal("bench flow", result["command"]!.GetValue<string>());
        Assert.Contains("affine-coupling", result["model"]!.GetValue<string>(), StringComparison.Ordinal);
        var training = Assert.Single(result["training"]!.AsArray());
        Assert.Equal(1, training!["threads"]!.GetValue<int>());
        Assert.Equal(512, training["batch"]!.GetValue<int>());
        Assert.True(training["samplesPerSecond"]!.GetValue<double>() > 0);
        var rows = result["logDensity"]!.AsArray();
        Assert.Equal([8, 16], rows.Select(r => r!["batch"]!.GetValue<int>()));
        Assert.All(rows, r =>
        {
            Assert.True(r!["oursRowsPerSecond"]!.GetValue<double>() > 0);
            Assert.True(r["onnxRuntimeRowsPerSecond"]!.GetValue<double>() > 0);
            Assert.True(r["oursOverOnnxRuntime"]!.GetValue<double>() > 0);
        });
    }

    [Fact]
    public void Bench_moe_reports_training_soft_top1_and_onnx_runtime_rates()
    {
        var result = RunJson(["bench", "moe", "--batch-sizes", "8", .. Tiny]);
        Assert.Equal("bench moe", result["command"]!.GetValue<string>());
        var training = Assert.Single(result["training"]!.AsArray());
        Assert.Equal(256, training!["batch"]!.GetValue<int>());
        Assert.True(training["epochs"]!.GetValue<int>() >= 2);
        Assert.True(training["samplesPerSecond"]!.GetValue<double>() > 0);
        var row = Assert.Single(result["inference"]!.AsArray());
        Assert.Equal(8, row!["batch"]!.GetValue<int>());
        foreach (string field in new[] { "softRowsPerSecond", "topOneRowsPerSecond", "onnxRuntimeSoftRowsPerSecond", "softOverOnnxRuntime", "topOneOverSoft" })
        {
            Assert.True(row[field]!.GetValue<double>() > 0, field);
        }
    }

    [Fact]
    public void Bench_onnx_reports_ours_and_onnx_runtime_for_the_flow_and_the_experts_at_each_batch_size()
    {
        var result = RunJson(["bench", "onnx", "--batch-sizes", "1,4", .. Tiny]);
        Assert.Equal("bench onnx", result["command"]!.GetValue<string>());
        Assert.Equal(Environment.ProcessorCount, result["machine"]!["cores"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(result["machine"]!["simd"]!.GetValue<string>()));
        var rows = result["results"]!.AsArray();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["flow", "flow", "MoE", "MoE"], rows.Select(r => r!["model"]!.GetValue<string>()));
        Assert.All(rows, r =>
        {
            Assert.True(r!["oursRowsPerSecond"]!.GetValue<double>() > 0);
            Assert.True(r["onnxRuntimeRowsPerSecond"]!.GetValue<double>() > 0);
        });
    }

    [Fact]
    public void Bench_without_json_prints_the_table_and_the_machine_line()
    {
        var (code, stdout, _) = ProgramTests.Run("bench", "onnx", "--seconds", "0.01", "--batch-sizes", "2", "--threads", "1");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("ours/ORT", stdout, StringComparison.Ordinal);
        Assert.Contains("flow log-density", stdout, StringComparison.Ordinal);
        Assert.Contains($"{Environment.ProcessorCount} cores", stdout, StringComparison.Ordinal);
        Assert.Contains("threads 1", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Threads_0_means_every_core_and_a_list_measures_each_count()
    {
        var result = RunJson(["bench", "gemm", "--seconds", "0.01", "--threads", "0,1", "--json"]);
        var threads = result["threads"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.Equal(Environment.ProcessorCount == 1 ? [1] : new[] { Environment.ProcessorCount, 1 }, threads);
        Assert.Equal(4 * threads.Length, result["results"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("flow", "--batch-sizes", "0", "--batch-sizes '0': '0' is not a batch size")]
    [InlineData("flow", "--batch-sizes", "64,x", "'x' is not a batch size")]
    [InlineData("onnx", "--batch-sizes", "1000000", "is not a batch size from 1 to 65,536")]
    [InlineData("onnx", "--threads", "-1", "--threads '-1': '-1' is not a thread count")]
    [InlineData("moe", "--threads", ",", "--threads is empty")]
    [InlineData("moe", "--seconds", "0", "--seconds must be more than 0")]
    [InlineData("gemm", "--threads", "two", "'two' is not a thread count")]
    public void A_bad_option_value_exits_1_with_a_message_naming_it(string command, string option, string value, string message)
    {
        var (code, _, stderr) = ProgramTests.Run("bench", command, option, value);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
    }

    private static JsonObject RunJson(string[] args)
    {
        var (code, stdout, stderr) = ProgramTests.Run(args);
        Assert.True(code == ExitCodes.Success, stderr);
        return JsonNode.Parse(stdout)!.AsObject();
    }
}
