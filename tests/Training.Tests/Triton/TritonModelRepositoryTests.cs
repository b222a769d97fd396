using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Tests.Onnx;
using MLNetMixture.Training.Tests.Triton.Schema;
using MLNetMixture.Training.Triton;

namespace MLNetMixture.Training.Tests.Triton;

public sealed class TritonModelRepositoryTests : IDisposable
{
    private readonly string _repository = Path.Combine(Path.GetTempPath(), $"mlnetmixture-triton-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_repository))
        {
            Directory.Delete(_repository, recursive: true);
        }
    }

    [Fact]
    public void Mixture_of_experts_repository_matches_the_onnx_graph()
    {
        var model = new MixtureOfExperts(5, 3, new MixtureOfExpertsArchitecture { Experts = 4, GateHiddenSizes = [8], ExpertHiddenSizes = [6], Activation = Activation.Gelu }, 7);
        var bytes = new MixtureOfExpertsOnnxExporter().ToBytes(null, model, ["low", "medium", "high"], TrainedMixtureOfExperts.FeatureNames);
        var options = new TritonModelRepositoryOptions { MaxBatchSize = 2048, CpuInstances = 2, GpuInstances = 1 };

        var config = WriteAndParse("digits-moe", bytes, options);

        CheckAgainstGraph(config, "digits-moe", bytes, options);
        Assert.Equal(["Features"], config.Input.Select(i => i.Name));
        Assert.Equal([5L], config.Input[0].Dims);
        var predicted = Assert.Single(config.Output, o => o.Name == "PredictedLabel");
        Assert.Equal(DataType.TypeInt64, predicted.DataType);
        Assert.Equal([1L], predicted.Dims);
        Assert.Empty(predicted.Reshape.Shape);
    }

    [Fact]
    public void Flow_repository_matches_the_onnx_graph()
    {
        var flow = PerturbedFlows.Create(components: 4, standardized: true);
        var bytes = new MixtureDensityFlowOnnxExporter().ToBytes(flow, PerturbedFlows.FeatureNames);
        var options = new TritonModelRepositoryOptions { GpuInstances = 0 };
        options.PreferredBatchSizes.Add(4096);

        var config = WriteAndParse("flow", bytes, options);

        CheckAgainstGraph(config, "flow", bytes, options);
        Assert.Equal([MixtureDensityFlowOnnxExporter.LogDensityOutput, MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput, MixtureDensityFlowOnnxExporter.ComponentOutput], config.Output.Select(o => o.Name));
        Assert.Equal([4L], config.Output[1].Dims);
        Assert.Equal([256, 1024, 4096], config.DynamicBatching.PreferredBatchSize);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, Assert.Single(config.InstanceGroup).Kind);
    }

    [Fact]
    public void Writing_again_replaces_the_model_folder_and_leaves_no_temporary_folder()
    {
        var flow = PerturbedFlows.Create(components: 1, standardized: false);
        var first = new MixtureDensityFlowOnnxExporter().ToBytes(flow, PerturbedFlows.FeatureNames);
        var second = new MixtureDensityFlowOnnxExporter(new MixtureDensityFlowOnnxExportOptions { Opset = 21 }).ToBytes(flow, PerturbedFlows.FeatureNames);
        TritonModelRepository.Write(_repository, "flow", first, new TritonModelRepositoryOptions { Version = 3 });
        string folder = TritonModelRepository.Write(_repository, "flow", second);

        Assert.Equal(second, File.ReadAllBytes(Path.Combine(folder, "1", TritonModelRepository.ModelFileName)));
        Assert.False(Directory.Exists(Path.Combine(folder, "3")));
        Assert.Equal(["flow"], Directory.GetFileSystemEntries(_repository).Select(Path.GetFileName));
    }

    [Fact]
    public void Single_row_flow_graph_is_refused_and_nothing_is_written()
    {
        var flow = PerturbedFlows.Create(components: 4, standardized: true);
        var bytes = new MixtureDensityFlowOnnxExporter(new MixtureDensityFlowOnnxExportOptions { SingleRow = true }).ToBytes(flow, PerturbedFlows.FeatureNames);

        var e = Assert.Throws<ArgumentException>(() => TritonModelRepository.Write(_repository, "flow", bytes));

        Assert.Contains("ONNX input 'Features' has shape [1, 5]", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected [N, ...], found a fixed 1", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_repository, "flow")));
    }

    [Fact]
    public void Gumbel_gate_graph_with_a_scalar_temperature_is_refused()
    {
        var model = new MixtureOfExperts(5, 3, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [] }, 1);
        var bytes = new MixtureOfExpertsOnnxExporter(new MixtureOfExpertsOnnxExportOptions { GateMode = MixtureOfExpertsGateMode.GumbelSoftmax })
            .ToBytes(null, model, ["a", "b", "c"], TrainedMixtureOfExperts.FeatureNames);

        var e = Assert.Throws<ArgumentException>(() => TritonModelRepository.CreateConfig("moe", bytes));

        Assert.Contains("ONNX input 'Temperature' is a scalar", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("with space")]
    public void Model_names_that_are_not_plain_folder_names_are_refused(string name)
    {
        var flow = PerturbedFlows.Create(components: 1, standardized: false);
        var bytes = new MixtureDensityFlowOnnxExporter().ToBytes(flow, PerturbedFlows.FeatureNames);

        Assert.Throws<ArgumentException>(() => TritonModelRepository.CreateConfig(name, bytes));
    }

    [Fact]
    public void The_schema_parser_rejects_a_field_triton_does_not_know()
    {
        var e = Assert.Throws<FormatException>(() => ProtobufTextParser.Parse<ModelConfig>("name: \"m\"\nmax_batch: 4\n"));

        Assert.Contains("line 2, column 1: ModelConfig has no field 'max_batch'", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ProtobufTextParser.Parse<ModelConfig>("instance_group { kind: KIND_TPU }"));
    }

    private ModelConfig WriteAndParse(string name, byte[] bytes, TritonModelRepositoryOptions options)
    {
        string folder = TritonModelRepository.Write(_repository, name, bytes, options);
        Assert.Equal(Path.Combine(Path.GetFullPath(_repository), name), folder);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, "1", TritonModelRepository.ModelFileName)));
        string text = File.ReadAllText(Path.Combine(folder, TritonModelRepository.ConfigFileName));
        Assert.Equal(TritonModelRepository.CreateConfig(name, bytes, options), text);
        return ProtobufTextParser.Parse<ModelConfig>(text);
    }

    /// <summary>Every field of the parsed config against what ONNX Runtime reads from the same graph.</summary>
    private static void CheckAgainstGraph(ModelConfig config, string name, byte[] bytes, TritonModelRepositoryOptions options)
    {
        Assert.Equal(name, config.Name);
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(options.MaxBatchSize, config.MaxBatchSize);
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.DynamicBatching, config.SchedulingChoiceCase);
        Assert.Equal(options.PreferredBatchSizes, config.DynamicBatching.PreferredBatchSize);
        Assert.Equal((ulong)options.MaxQueueDelayMicroseconds, config.DynamicBatching.MaxQueueDelayMicroseconds);
        var groups = new List<(ModelInstanceGroup.Types.Kind, int)>();
        if (options.CpuInstances > 0)
        {
            groups.Add((ModelInstanceGroup.Types.Kind.Cpu, options.CpuInstances));
        }

        if (options.GpuInstances > 0)
        {
            groups.Add((ModelInstanceGroup.Types.Kind.Gpu, options.GpuInstances));
        }

        Assert.Equal(groups, config.InstanceGroup.Select(g => (g.Kind, g.Count)));

        using var session = new InferenceSession(bytes);
        Assert.Equal(session.InputMetadata.Keys, config.Input.Select(i => i.Name));
        Assert.Equal(session.OutputMetadata.Keys, config.Output.Select(o => o.Name));
        foreach (var input in config.Input)
        {
            CheckTensor(session.InputMetadata[input.Name], input.DataType, input.Dims, input.Reshape);
        }

        foreach (var output in config.Output)
        {
            CheckTensor(session.OutputMetadata[output.Name], output.DataType, output.Dims, output.Reshape);
        }
    }

    private static void CheckTensor(NodeMetadata graph, DataType type, IReadOnlyList<long> dims, ModelTensorReshape? reshape)
    {
        var expectedType = graph.ElementType == typeof(float) ? DataType.TypeFp32
            : graph.ElementType == typeof(long) ? DataType.TypeInt64
            : throw new InvalidOperationException($"unexpected element type {graph.ElementType}");
        Assert.Equal(expectedType, type);
        Assert.Equal(-1, graph.Dimensions[0]);
        var rest = graph.Dimensions.Skip(1).Select(d => (long)d).ToArray();
        if (rest.Length == 0)
        {
            Assert.Equal([1L], dims);
            Assert.NotNull(reshape);
            Assert.Empty(reshape.Shape);
        }
        else
        {
            Assert.Equal(rest, dims);
            Assert.Null(reshape);
        }
    }
}
