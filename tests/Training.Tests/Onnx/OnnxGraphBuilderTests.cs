using Google.Protobuf;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Onnx.Proto;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Onnx;

public sealed class OnnxGraphBuilderTests
{
    /// <summary>ONNX operators with CPU and CUDA kernels in ONNX Runtime that the builder is allowed to emit.</summary>
    private static readonly HashSet<string> AllowedOperators =
    [
        "Abs", "Add", "ArgMax", "Cast", "Clip", "Concat", "Div", "Elu", "Equal", "Erf", "Exp", "Gather", "Gemm",
        "GreaterOrEqual", "Identity", "Less", "Log", "LogSoftmax", "MatMul", "Mul", "Neg", "Reciprocal",
        "ReduceMax", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Sigmoid", "Slice", "Softmax", "Softplus",
        "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Where",
    ];

    [Theory]
    [InlineData(16)]
    [InlineData(22)]
    public void Opsets_outside_17_to_21_are_refused(int opset)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxGraphBuilder(opset));
    }

    [Fact]
    public void Shapes_keep_feature_dimensions_static_and_the_batch_dynamic()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 2, 3);
        var w = new Parameter("w", 4, 6);
        Assert.Equal([-1, 2, 3], g.Shape(x));

        var flat = g.Reshape(x, 0, -1);
        Assert.Equal([-1, 6], g.Shape(flat));
        var hidden = g.Linear(flat, g.Param(w), null);
        Assert.Equal([-1, 4], g.Shape(hidden));
        Assert.Equal([-1, 2, 2], g.Shape(g.Reshape(hidden, -1, 2, 2)));
        Assert.Equal([-1], g.Shape(g.Reshape(hidden, -1)));
        Assert.Equal([4, -1], g.Shape(g.Transpose(hidden, 1, 0)));
        Assert.Equal([-1, 1], g.Shape(g.Sum(hidden, 1, keepDims: true)));
        Assert.Equal([4], g.Shape(g.Mean(hidden, 0)));
        Assert.Equal(Array.Empty<int>(), g.Shape(g.SumAll(hidden)));
        Assert.Equal([-1, 3, 2], g.Shape(g.Gather(g.Transpose(x, 0, 2, 1), 1, 2, 1, 0)));
        Assert.Equal([-1, 4], g.Shape(g.Multiply(hidden, g.Constant(new Tensor(1, 4)))));
        Assert.Equal([-1, 2, 3], g.Shape(g.Where(g.Step(x), x, g.Constant(new Tensor(3)))));
        Assert.Equal([-1, 2, 3], g.Shape(g.MatMul(x, g.Constant(new Tensor(3, 3)))));
    }

    [Fact]
    public void Outputs_name_the_batch_dimension_and_leave_derived_run_time_dimensions_unnamed()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("same", g.Exp(x));
        g.AddOutput("flat", g.Reshape(x, -1));
        g.AddOutput("stacked", g.Concat(0, x, x));
        g.AddArgMaxOutput("label", x);
        var outputs = g.Graph.Output.ToDictionary(o => o.Name, o => o.Type.TensorType);

        Assert.Equal(new[] { "N", "3" }, BuilderDims(outputs["same"]));
        Assert.Equal(new[] { "?" }, BuilderDims(outputs["flat"]));
        Assert.Equal(new[] { "?", "3" }, BuilderDims(outputs["stacked"]));
        Assert.Equal(new[] { "N" }, BuilderDims(outputs["label"]));
        Assert.Equal((int)TensorProto.Types.DataType.Float, outputs["same"].ElemType);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, outputs["label"].ElemType);
    }

    [Fact]
    public void Reshape_with_an_unknown_batch_and_a_second_minus_one_is_refused_with_a_hint()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 6);
        var error = Assert.Throws<ArgumentException>(() => g.Reshape(x, -1, -1));
        Assert.Contains("pass 0", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => g.Reshape(g.AddInput("y", 2, 6), 5, -1));
    }

    [Fact]
    public void Invalid_arguments_are_refused_as_on_the_tape()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 3);
        Assert.Throws<ArgumentException>(() => g.Add(x, g.Constant(new Tensor(4))));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Sum(x, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Slice(x, 1, 1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Gather(x, 1, 3));
        Assert.Throws<ArgumentException>(() => g.Transpose(x, 0, 0));
        Assert.Throws<ArgumentException>(() => g.Clamp(x, 1f, 0f));
        Assert.Throws<ArgumentException>(() => g.MatMul(x, g.Constant(new Tensor(4, 2))));
        Assert.Throws<ArgumentException>(() => g.Linear(x, g.Constant(new Tensor(2, 3)), g.Constant(new Tensor(3))));
        Assert.Throws<ArgumentException>(() => g.Concat(1, x, g.AddInput("z", -1, 2, 1)));
        Assert.Throws<NotSupportedException>(() => g.OneHotArgMax(g.Reshape(x, -1)));
        Assert.Throws<ArgumentException>(() => g.Exp(new Var(999)));
    }

    [Fact]
    public void Names_are_unique_and_parameters_become_initializers_named_after_them()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 2);
        var w = new Parameter("layer.weight", Tensor.FromValues([1f, 2f, 3f, 4f], 2, 2));
        var first = g.Param(w);
        var second = g.Param(w);
        Assert.Equal(first, second);
        Assert.Single(g.Graph.Initializer, t => t.Name == "layer.weight");
        Assert.Equal("layer.weight", g.NameOf(first));

        Assert.Throws<ArgumentException>(() => g.Param(new Parameter("layer.weight", 2, 2)));
        Assert.Throws<ArgumentException>(() => g.AddInput("x", 2));
        g.AddOutput("y", g.Linear(x, first, null));
        Assert.Throws<ArgumentException>(() => g.AddOutput("y", x));
        Assert.Throws<ArgumentException>(() => g.AddOutput("layer.weight", x));

        var names = g.Graph.Node.SelectMany(n => n.Output).Concat(g.Graph.Initializer.Select(t => t.Name)).Concat(g.Graph.Input.Select(i => i.Name)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Scalar_and_index_constants_are_shared()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("y", g.AddScalar(g.AddScalar(g.Sum(g.Sum(g.Reshape(x, 0, 3, 1), 1, keepDims: true), 1), 2f), 2f));
        Assert.Single(g.Graph.Initializer, t => t.Dims.Count == 0);
        Assert.Single(g.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Int64 && t.Dims.Count == 1 && t.Dims[0] == 1);
    }

    [Theory]
    [InlineData(17, true)]
    [InlineData(18, false)]
    [InlineData(21, false)]
    public void ReduceMean_and_ReduceMax_take_axes_as_an_attribute_until_opset_17_and_as_an_input_after(int opset, bool attribute)
    {
        var g = new OnnxGraphBuilder(opset);
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("mean", g.Mean(x, 1));
        g.AddOutput("max", g.Max(x, -1, keepDims: true));
        g.AddOutput("sum", g.Sum(x, 1));
        foreach (var node in g.Graph.Node.Where(n => n.OpType is "ReduceMean" or "ReduceMax"))
        {
            Assert.Equal(attribute, node.Attribute.Any(a => a.Name == "axes"));
            Assert.Equal(attribute ? 1 : 2, node.Input.Count);
        }

        var sum = Assert.Single(g.Graph.Node, n => n.OpType == "ReduceSum");
        Assert.Equal(2, sum.Input.Count);
        Assert.DoesNotContain(sum.Attribute, a => a.Name == "axes");
    }

    [Fact]
    public void Reductions_over_everything_take_no_axes()
    {
        var g = new OnnxGraphBuilder(18);
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("s", g.SumAll(x));
        g.AddOutput("m", g.MeanAll(x));
        Assert.All(g.Graph.Node.Where(n => n.OpType.StartsWith("Reduce", StringComparison.Ordinal)), n =>
        {
            Assert.Single(n.Input);
            Assert.DoesNotContain(n.Attribute, a => a.Name == "axes");
        });
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    public void Only_operators_with_cpu_and_cuda_kernels_are_emitted(int opset)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parityCase in ParityCases.All.Values)
        {
            var (builder, _, _) = ParityRunner.Export(parityCase, opset);
            used.UnionWith(builder.Graph.Node.Select(n => n.OpType));
            Assert.All(builder.Graph.Node, n => Assert.Equal(string.Empty, n.Domain));
        }

        Assert.Empty(used.Except(AllowedOperators));
        Assert.DoesNotContain("Gelu", used);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    public void Arg_max_output_is_int64_and_takes_the_first_maximum(int opset)
    {
        var g = new OnnxGraphBuilder(opset);
        var x = g.AddInput("scores", -1, 4);
        g.AddArgMaxOutput("PredictedLabel", g.LogSoftmax(x));
        g.AddOutput("Probabilities", g.Softmax(x));
        var model = new OnnxModelWriter().ToBytes(g);

        using var session = ParityRunner.OpenSession(model, optimize: true);
        Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64, session.OutputMetadata["PredictedLabel"].ElementDataType);
        foreach (int batch in new[] { 6, 1 })
        {
            float[][] rows = [[0f, 3f, 3f, 1f], [2f, 2f, 2f, 2f], [-1f, -0.5f, -2f, -0.5f], [0f, 0f, 0f, 9f], [-0f, 0f, -1f, -1f], [1f, 0f, 0f, 0f]];
            var input = Tensor.FromValues(rows.Take(batch).SelectMany(r => r).ToArray(), batch, 4);
            var (labels, shape) = RunLabels(session, input);
            Assert.Equal(new long[] { batch }, shape);

            // The same index the tape's OneHotArgMax marks.
            var tape = new Tape(threads: 1);
            var oneHot = tape.Value(tape.OneHotArgMax(tape.Constant(input)));
            for (int r = 0; r < batch; r++)
            {
                Assert.Equal(1f, oneHot[r, (int)labels[r]]);
            }

            Assert.Equal(new long[] { 1, 0, 1, 3, 0, 0 }.Take(batch), labels);
        }

        WriteAndCheck(model);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    public void Random_uniform_like_draws_fresh_values_in_range_with_the_shape_of_its_argument(int opset)
    {
        var g = new OnnxGraphBuilder(opset);
        var x = g.AddInput(ParityRunner.InputName(0), -1, 3);
        var u = g.RandomUniformLike(x, low: -2f, high: 5f, seed: 3f);
        Assert.Equal([-1, 3], g.Shape(u));
        g.AddOutput(ParityRunner.OutputName, u);
        var node = Assert.Single(g.Graph.Node, n => n.OpType == "RandomUniformLike");
        Assert.Equal(3f, Assert.Single(node.Attribute, a => a.Name == "seed").F);
        var model = new OnnxModelWriter().ToBytes(g);

        var input = new Tensor(1000, 3);
        input.Fill(float.NaN); // only the shape is read
        using var session = ParityRunner.OpenSession(model, optimize: true);
        var (first, shape) = ParityRunner.RunOnnx<float>(session, [input]);
        var (second, _) = ParityRunner.RunOnnx<float>(session, [input]);
        Assert.Equal(new long[] { 1000, 3 }, shape);
        Assert.All(first, v => Assert.True(v is >= -2f and < 5f, $"{v} is outside [-2, 5)"));

        // Mean 1.5, standard error 7 / sqrt(12 * 3000) ~ 0.037.
        Assert.InRange(first.Average(), 1.5 - 0.2, 1.5 + 0.2);
        Assert.NotEqual(first, second);
        using var replay = ParityRunner.OpenSession(model, optimize: false);
        Assert.Equal(first, ParityRunner.RunOnnx<float>(replay, [input]).Values);

        Assert.Throws<ArgumentException>(() => g.RandomUniformLike(x, low: 1f, high: 1f));
        Assert.Throws<ArgumentException>(() => g.RandomUniformLike(x, high: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.RandomUniformLike(x, seed: float.NaN));
        WriteAndCheck(model);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(20)]
    public void Random_normal_like_draws_fresh_normals_shaped_by_a_repeated_row_column(int opset)
    {
        var g = new OnnxGraphBuilder(opset);
        var rows = g.AddInput(ParityRunner.InputName(0), -1, 1);
        var like = g.RepeatColumn(rows, 4);
        Assert.Equal([-1, 4], g.Shape(like));
        var z = g.RandomNormalLike(like, mean: 3f, scale: 2f, seed: 11f);
        Assert.Equal([-1, 4], g.Shape(z));
        g.AddOutput(ParityRunner.OutputName, z);
        var node = Assert.Single(g.Graph.Node, n => n.OpType == "RandomNormalLike");
        Assert.Equal(11f, Assert.Single(node.Attribute, a => a.Name == "seed").F);
        var model = new OnnxModelWriter().ToBytes(g);

        var input = new Tensor(5000, 1);
        input.Fill(float.NaN); // only the number of rows is read
        using var session = ParityRunner.OpenSession(model, optimize: true);
        var (first, shape) = ParityRunner.RunOnnx<float>(session, [input]);
        var (second, _) = ParityRunner.RunOnnx<float>(session, [input]);
        Assert.Equal(new long[] { 5000, 4 }, shape);
        Assert.All(first, v => Assert.True(float.IsFinite(v)));

        // 20,000 draws of N(3, 4): the mean's standard error is 0.014, the variance's about 0.04; every column is drawn.
        double mean = first.Average();
        double variance = first.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, 3 - 0.1, 3 + 0.1);
        Assert.InRange(variance, 4 - 0.3, 4 + 0.3);
        for (int j = 0; j < 4; j++)
        {
            Assert.InRange(Enumerable.Range(0, 5000).Average(r => first[(r * 4) + j]), 3 - 0.2, 3 + 0.2);
        }

        Assert.NotEqual(first, second);
        using var replay = ParityRunner.OpenSession(model, optimize: false);
        Assert.Equal(first, ParityRunner.RunOnnx<float>(replay, [input]).Values);

        Assert.Throws<ArgumentException>(() => g.RandomNormalLike(like, scale: 0f));
        Assert.Throws<ArgumentException>(() => g.RandomNormalLike(like, mean: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.RandomNormalLike(like, seed: float.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => g.RepeatColumn(like, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.RepeatColumn(rows, 0));
        WriteAndCheck(model);
    }

    [Fact]
    public void The_checker_rejects_a_declared_shape_that_contradicts_the_graph()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("y", g.Sum(x, 1));
        var model = new OnnxModelWriter().BuildModel(g);
        model.Graph.Output[0].Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 7 });
        var (exitCode, output) = CheckBytes(model.ToByteArray());
        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checker_rejects_opset_18_reductions_with_axes_as_an_attribute()
    {
        var g = new OnnxGraphBuilder(17);
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("y", g.Mean(x, 1));
        var model = new OnnxModelWriter().BuildModel(g);
        model.OpsetImport[0].Version = 18;
        var (exitCode, output) = CheckBytes(model.ToByteArray());
        Assert.Equal(1, exitCode);
        Assert.Contains("'axes' attribute", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checker_rejects_a_node_reading_an_undefined_value()
    {
        var g = new OnnxGraphBuilder();
        var x = g.AddInput("x", -1, 3);
        g.AddOutput("y", g.Exp(x));
        var model = new OnnxModelWriter().BuildModel(g);
        model.Graph.Node[0].Input[0] = "nowhere";
        Assert.Equal(1, CheckBytes(model.ToByteArray()).ExitCode);
    }

    private static (long[] Labels, long[] Shape) RunLabels(Microsoft.ML.OnnxRuntime.InferenceSession session, Tensor input)
    {
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input.ToArray(), input.ShapeArray().Select(d => (long)d).ToArray());
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(runOptions, ["scores"], [value], ["PredictedLabel"]);
        return (outputs[0].GetTensorDataAsSpan<long>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    private static string[] BuilderDims(TypeProto.Types.Tensor type) =>
        type.Shape.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
            _ => "?",
        }).ToArray();

    private static void WriteAndCheck(byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmixture-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, model);
            OnnxChecker.AssertValid(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int ExitCode, string Output) CheckBytes(byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmixture-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, model);
            return OnnxChecker.Run(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
