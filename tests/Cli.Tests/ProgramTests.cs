using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Tests;

public sealed class ProgramTests
{
    [Fact]
    public void Bench_gemm_with_json_prints_one_parseable_result_object()
    {
        var (code, stdout, _) = Run("bench", "gemm", "--seconds", "0.05", "--json");
        Assert.Equal(ExitCodes.Success, code);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("bench gemm", result["command"]!.GetValue<string>());
        var rows = result["results"]!.AsArray();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(r!["gflops"]!.GetValue<double>() > 0));
    }

    [Fact]
    public void The_tool_promotes_hot_methods_without_the_runtimes_call_counting_delay()
    {
        // Short fits otherwise run many epochs in unoptimised code (see the Cli project file).
        string path = Path.Combine(AppContext.BaseDirectory, "mlmix.runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!;
        Assert.Equal(0, properties["System.Runtime.TieredCompilation.CallCountingDelayMs"]!.GetValue<int>());
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        var (code, _, _) = Run("no-such-command");
        Assert.Equal(ExitCodes.BadInput, code);
    }

    [Fact]
    public void Help_succeeds_and_lists_commands()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("demo", stdout, StringComparison.Ordinal);
        Assert.Contains("bench", stdout, StringComparison.Ordinal);
    }

    internal static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
