using Google.Protobuf;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Onnx.Proto;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests.Scoring;

public sealed class OnnxScorerTests
{
    [Fact]
    public void Batched_scoring_equals_reference_and_fills_float_and_int64_outputs()
    {
        using var scorer = OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { BatchSize = 7 });
        Assert.Equal("CPUExecutionProvider", scorer.ActiveProvider);
        Assert.Equal(new[] { "X" }, scorer.InputNames);
        Assert.Equal("yes", scorer.Metadata["test"]);
        int rows = 50;
        var x = Enumerable.Range(0, rows * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var r = scorer.Score(x, rows);
        Assert.Equal(8, scorer.Runs); // 50 rows in batches of 7
        Assert.Equal(rows, scorer.RowsRun);

        var y = r["Y"];
        Assert.Equal(new long[] { rows, 3 }, y.Shape);
        var arg = r["Arg"];
        Assert.Equal(new long[] { rows }, arg.Shape);
        for (int i = 0; i < rows; i++)
        {
            var row = x.AsSpan(i * 3, 3);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal((2f * row[j]) + 1f, y.Floats![(i * 3) + j], 6);
            }

            Assert.Equal(row.IndexOf(Max(row)), arg.Int64s![i]);
        }
    }

    [Fact]
    public void Output_row_shapes_and_element_types_are_described()
    {
        using var scorer = OnnxScorer.Load(TinyModel());
        Assert.Equal(new long[] { 3 }, scorer.OutputRowShape("Y"));
        Assert.Empty(scorer.OutputRowShape("Arg"));
        Assert.Equal(typeof(float), scorer.OutputElementType("Y"));
        Assert.Equal(typeof(long), scorer.OutputElementType("Arg"));
        Assert.Contains("outputs: Y, Arg", Assert.Throws<ArgumentException>(() => scorer.OutputRowShape("Z")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dynamic_output_shapes_are_copied_and_match_static_path()
    {
        using var scorer = OnnxScorer.Load(TinyModel(dynamicOutput: true), new OnnxScoringOptions { BatchSize = 4 });
        var x = Enumerable.Range(0, 30).Select(i => i * 0.5f).ToArray();
        var r = scorer.Score(x, 10, ["Y"]);
        Assert.Equal(new long[] { 10, 3 }, r["Y"].Shape);
        Assert.Equal(x.Select(v => (2 * v) + 1), r["Y"].Floats!);
    }

    [Fact]
    public void Concurrent_calls_share_one_session_safely()
    {
        using var scorer = OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { BatchSize = 16 });
        var results = new float[8][];
        Parallel.For(0, 8, t =>
        {
            var x = Enumerable.Range(0, 300).Select(i => (float)(i + t)).ToArray();
            results[t] = scorer.Score(x, 100)["Y"].Floats!;
        });
        for (int t = 0; t < 8; t++)
        {
            Assert.Equal((2f * t) + 1f, results[t][0]);
        }
    }

    [Fact]
    public void Wrong_feature_width_names_expected_and_found()
    {
        using var scorer = OnnxScorer.Load(TinyModel());
        var e = Assert.Throws<ArgumentException>(() => scorer.Score(new float[8], 2));
        Assert.Contains("expects 3 values per row; found 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_on_a_machine_without_it_falls_back_with_one_warning_or_fails_clearly()
    {
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        var warnings = new List<string>();
        using (var scorer = OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, FallbackToCpu = true, Warning = warnings.Add }))
        {
            Assert.Equal("CPUExecutionProvider", scorer.ActiveProvider);
            Assert.Equal(problem, scorer.FallbackReason);
            Assert.Equal($"warning: CUDA requested for an in-memory model but unavailable: {problem} Scoring on the CPU instead.", Assert.Single(warnings));
            Assert.Equal(3f, scorer.Score([1f, 0f, 0f], 1)["Y"].Floats![0]);
        }

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, DeviceId = 3, FallbackToCpu = false, Warning = warnings.Add }));
        // The message is CudaAvailability's own sentence for device 3 (a build, provider-library, driver or device-count
        // problem), framed by OnnxScorer: a different or empty reason fails here.
        string? problem3 = CudaAvailability.Problem(3);
        Assert.NotNull(problem3);
        Assert.Equal($"CUDA device 3 cannot be used: {problem3} (Set FallbackToCpu to run on the CPU instead.)", e.Message);
        Assert.DoesNotContain("npm", e.Message, StringComparison.Ordinal);
        Assert.Single(warnings);
    }

    [Fact]
    public void A_bad_model_is_reported_as_such_when_cuda_is_requested()
    {
        var e = Assert.ThrowsAny<Exception>(() => OnnxScorer.Load(new byte[] { 1, 2, 3, 4 }, new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, FallbackToCpu = true, Warning = _ => { } }));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("ONNX Runtime cannot load", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_scores_what_the_cpu_scores()
    {
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is not null, $"needs a usable CUDA device 0 and the Gpu package (-p:OnnxRuntimeGpu=true): {problem}");

        using var gpu = OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, FallbackToCpu = false, BatchSize = 16 });
        using var cpu = OnnxScorer.Load(TinyModel(), new OnnxScoringOptions { BatchSize = 16 });
        Assert.Equal("CUDAExecutionProvider", gpu.ActiveProvider);
        Assert.Null(gpu.FallbackReason);
        var x = Enumerable.Range(0, 300).Select(i => (float)Math.Sin(i)).ToArray();
        var g = gpu.Score(x, 100);
        var c = cpu.Score(x, 100);
        Assert.Equal(c["Arg"].Int64s!, g["Arg"].Int64s!);
        Assert.All(c["Y"].Floats!.Zip(g["Y"].Floats!), p => Assert.Equal(p.First, p.Second, 5));
        Assert.Equal(7, gpu.Runs);
    }

    [Fact]
    public void Scalar_inputs_take_one_value_passed_with_every_batch()
    {
        // Y = X / T with X [N, 2] and the scalar T (a temperature, say).
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("X", -1, 2);
        var t = g.AddInput("T");
        g.AddOutput("Y", g.Divide(x, t));
        using var scorer = OnnxScorer.Load(new OnnxModelWriter().ToBytes(g), new OnnxScoringOptions { BatchSize = 3 });
        Assert.Equal(new[] { "X", "T" }, scorer.InputNames);
        Assert.Equal(1, scorer.InputWidth("T"));

        var values = Enumerable.Range(0, 14).Select(i => (float)i).ToArray();
        var y = scorer.Score(new Dictionary<string, float[]> { ["X"] = values, ["T"] = [4f] }, 7)["Y"];
        Assert.Equal(new long[] { 7, 2 }, y.Shape);
        Assert.Equal(values.Select(v => v / 4f), y.Floats!);

        var e = Assert.Throws<ArgumentException>(() => scorer.Score(new Dictionary<string, float[]> { ["X"] = values, ["T"] = [1f, 2f] }, 7));
        Assert.Contains("scalar", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => scorer.Score(new Dictionary<string, float[]> { ["X"] = values }, 7));
        Assert.Throws<InvalidOperationException>(() => scorer.Score(values, 7));
    }

    [Fact]
    public void Missing_model_and_garbage_bytes_fail_clearly()
    {
        Assert.Throws<FileNotFoundException>(() => OnnxScorer.Load("/no/such/model.onnx"));
        var e = Assert.Throws<InvalidDataException>(() => OnnxScorer.Load(new byte[] { 1, 2, 3, 4 }));
        Assert.Contains("ONNX Runtime cannot load", e.Message, StringComparison.Ordinal);
    }

    private static float Max(ReadOnlySpan<float> s)
    {
        float m = s[0];
        foreach (var v in s)
        {
            m = Math.Max(m, v);
        }

        return m;
    }

    /// <summary>Y = 2X + 1 [N,3] and Arg = ArgMax(X, axis 1) [N] int64; optionally Y through a shape-erasing Reshape.</summary>
    private static byte[] TinyModel(bool dynamicOutput = false)
    {
        var g = new GraphProto { Name = "tiny" };
        g.Input.Add(Value("X", TensorProto.Types.DataType.Float, "N", 3));
        g.Initializer.Add(Scalar("two", 2f));
        g.Initializer.Add(Scalar("one", 1f));
        g.Node.Add(Node("Mul", ["X", "two"], ["X2"]));
        if (dynamicOutput)
        {
            var shape = new TensorProto { Name = "shape", DataType = (int)TensorProto.Types.DataType.Int64 };
            shape.Dims.Add(2);
            shape.Int64Data.Add([-1, 3]);
            g.Initializer.Add(shape);
            g.Node.Add(Node("Add", ["X2", "one"], ["Y0"]));
            g.Node.Add(Node("Reshape", ["Y0", "shape"], ["Y"]));
            g.Output.Add(new ValueInfoProto { Name = "Y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        }
        else
        {
            g.Node.Add(Node("Add", ["X2", "one"], ["Y"]));
            g.Output.Add(Value("Y", TensorProto.Types.DataType.Float, "N", 3));
        }

        var argmax = Node("ArgMax", ["X"], ["Arg"]);
        argmax.Attribute.Add(new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        argmax.Attribute.Add(new AttributeProto { Name = "keepdims", I = 0, Type = AttributeProto.Types.AttributeType.Int });
        g.Node.Add(argmax);
        g.Output.Add(Value("Arg", TensorProto.Types.DataType.Int64, "N"));
        var m = new ModelProto { IrVersion = 8, ProducerName = "test", Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        m.MetadataProps.Add(new StringStringEntryProto { Key = "test", Value = "yes" });
        return m.ToByteArray();
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, string batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static TensorProto Scalar(string name, float v)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(v);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        return n;
    }
}
