using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Tests;

public sealed class ExportTritonTests(TrainedMixtureOfExpertsFixture fixture) : IClassFixture<TrainedMixtureOfExpertsFixture>
{
    [Fact]
    public void Export_triton_writes_a_model_repository_entry_with_the_graph_inputs()
    {
        string repository = fixture.PathFor("triton-repository");
        var (code, stdout, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--triton", repository, "--triton-name", "digits", "--max-batch-size", "512", "--gpu-instances", "0", "--json");

        Assert.True(code == ExitCodes.Success, stderr);
        var triton = JsonNode.Parse(stdout)!["triton"]!;
        Assert.Equal("digits", triton["name"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(repository, "digits", "1", "model.onnx")));
        string config = File.ReadAllText(Path.Combine(repository, "digits", "config.pbtxt"));
        Assert.Equal(config, triton["config"]!.GetValue<string>());
        Assert.Contains("max_batch_size: 512\n", config, StringComparison.Ordinal);
        Assert.Contains("name: \"Features\"\n  data_type: TYPE_FP32\n  dims: [ 64 ]\n", config, StringComparison.Ordinal);
        Assert.Contains("preferred_batch_size: [ 256 ]", config, StringComparison.Ordinal);
        Assert.Contains("kind: KIND_CPU", config, StringComparison.Ordinal);
        Assert.DoesNotContain("KIND_GPU", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_triton_refuses_the_gumbel_graph_and_a_triton_option_without_triton()
    {
        string repository = fixture.PathFor("triton-refused");
        var (code, _, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--triton", repository, "--gate", "gumbel");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("ONNX input 'Temperature' is a scalar", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repository, Path.GetFileNameWithoutExtension(fixture.ModelPath))));

        (code, _, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--max-batch-size", "8", "--output", fixture.PathFor("x.onnx"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--max-batch-size applies to --triton only", stderr, StringComparison.Ordinal);

        (code, _, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Give --output FILE.onnx, --triton DIR, or both.", stderr, StringComparison.Ordinal);
    }
}
