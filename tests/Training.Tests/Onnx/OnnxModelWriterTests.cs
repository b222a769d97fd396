using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Onnx.Proto;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Onnx;

public sealed class OnnxModelWriterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mlnetmixture-writer-{Guid.NewGuid():N}");

    public OnnxModelWriterTests()
    {
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(17, 8)]
    [InlineData(18, 8)]
    [InlineData(19, 9)]
    [InlineData(20, 9)]
    [InlineData(21, 10)]
    public void Ir_version_follows_the_opset(int opset, long irVersion)
    {
        Assert.Equal(irVersion, OnnxModelWriter.IrVersionFor(opset));
        var model = ModelProto.Parser.ParseFrom(new OnnxModelWriter().ToBytes(SmallGraph(opset)));
        Assert.Equal(irVersion, model.IrVersion);
        var import = Assert.Single(model.OpsetImport);
        Assert.Equal(string.Empty, import.Domain);
        Assert.Equal(opset, import.Version);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(22)]
    public void Ir_version_is_refused_for_unsupported_opsets(int opset)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxModelWriter.IrVersionFor(opset));
    }

    [Fact]
    public void Producer_and_metadata_reach_onnx_runtime()
    {
        var writer = new OnnxModelWriter { ProducerVersion = "9.8.7", Description = "two-layer test", ModelVersion = 3, Domain = "ai.mlnetmixture" };
        writer.Metadata["trainer"] = "mixture-of-experts";
        writer.Metadata["classes"] = "a,b,c";
        using var session = new InferenceSession(writer.ToBytes(SmallGraph(17)));
        var metadata = session.ModelMetadata;
        Assert.Equal("MLNetMixture", metadata.ProducerName);
        Assert.Equal("two-layer test", metadata.Description);
        Assert.Equal(3, metadata.Version);
        Assert.Equal("ai.mlnetmixture", metadata.Domain);
        Assert.Equal("mixture-of-experts", metadata.CustomMetadataMap["trainer"]);
        Assert.Equal("a,b,c", metadata.CustomMetadataMap["classes"]);

        var model = ModelProto.Parser.ParseFrom(writer.ToBytes(SmallGraph(17)));
        Assert.Equal("9.8.7", model.ProducerVersion);
        Assert.Equal(new[] { "classes", "trainer" }, model.MetadataProps.Select(p => p.Key));
    }

    [Fact]
    public void Default_producer_version_is_the_assembly_version()
    {
        var writer = new OnnxModelWriter();
        Assert.False(string.IsNullOrEmpty(writer.ProducerVersion));
        Assert.DoesNotContain('+', writer.ProducerVersion);
    }

    [Fact]
    public void Bytes_are_deterministic()
    {
        Assert.Equal(new OnnxModelWriter().ToBytes(SmallGraph(18)), new OnnxModelWriter().ToBytes(SmallGraph(18)));
    }

    [Fact]
    public void File_is_written_atomically_and_replaces_an_existing_one()
    {
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllText(path, "an older model");
        var writer = new OnnxModelWriter();
        var graph = SmallGraph(21);
        writer.WriteFile(graph, path);

        Assert.Equal(writer.ToBytes(graph), File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(_folder).Select(Path.GetFileName));
        using var session = new InferenceSession(path);
        Assert.Equal(new[] { "y" }, session.OutputNames);
        OnnxChecker.AssertValid(path);
    }

    [Fact]
    public void Writing_into_a_missing_folder_fails_and_leaves_nothing()
    {
        string path = Path.Combine(_folder, "missing", "model.onnx");
        Assert.ThrowsAny<IOException>(() => new OnnxModelWriter().WriteFile(SmallGraph(17), path));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void A_graph_without_outputs_is_refused()
    {
        var g = new OnnxGraphBuilder();
        g.AddInput("x", -1, 2);
        Assert.Throws<InvalidOperationException>(() => new OnnxModelWriter().ToBytes(g));
    }

    [Fact]
    public void The_builder_can_go_on_after_a_model_was_written()
    {
        var g = SmallGraph(17);
        var first = ModelProto.Parser.ParseFrom(new OnnxModelWriter().ToBytes(g));
        g.AddOutput("z", g.Constant(Tensor.Scalar(1f)));
        Assert.Single(first.Graph.Output);
        Assert.Equal(2, ModelProto.Parser.ParseFrom(new OnnxModelWriter().ToBytes(g)).Graph.Output.Count);
    }

    /// <summary>y = tanh(x W^T + b) with x [N, 2].</summary>
    private static OnnxGraphBuilder SmallGraph(int opset)
    {
        var g = new OnnxGraphBuilder(opset, "small");
        var x = g.AddInput("x", -1, 2);
        var w = new Parameter("w", Tensor.FromValues([1f, -1f, 0.5f, 2f], 2, 2));
        var b = new Parameter("b", Tensor.FromValues([0.1f, -0.2f], 2));
        g.AddOutput("y", g.Tanh(g.Mean(g.Reshape(g.Linear(x, g.Param(w), g.Param(b)), 0, 2, 1), -1)));
        return g;
    }
}
