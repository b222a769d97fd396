using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>Proves the build provisions a working ONNX Runtime: a model built in memory loads and runs.</summary>
public sealed class OnnxRuntimeSmokeTests
{
    [Fact]
    public void Runtime_loads_and_runs_a_model_built_in_memory()
    {
        // Y = Relu(X * W + B) with X [N, 2] (N dynamic), W [2, 3], B [3].
        var graph = new GraphProto { Name = "smoke" };
        graph.Input.Add(FloatInput("X", null, 2));
        graph.Output.Add(FloatInput("Y", null, 3));
        graph.Initializer.Add(FloatTensor("W", [2, 3], [1, 2, 3, -1, -2, -3]));
        graph.Initializer.Add(FloatTensor("B", [3], [0.5f, 0f, -10f]));
        graph.Node.Add(Node("MatMul", ["X", "W"], ["XW"]));
        graph.Node.Add(Node("Add", ["XW", "B"], ["Z"]));
        graph.Node.Add(Node("Relu", ["Z"], ["Y"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "MLNetMixture.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });

        using var session = new InferenceSession(model.ToByteArray());
        float[] x = [1, 2, 3, 1, 0, 0];
        using var input = OrtValue.CreateTensorValueFromMemory(x, [3, 2]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["X"], [input], ["Y"]);
        var y = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        // Row 0: [1-2, 2-4, 3-6] + B = [-0.5, -2, -13] -> relu [0, 0, 0]
        // Row 1: [3-1, 6-2, 9-3] + B = [2.5, 4, -4]    -> [2.5, 4, 0]
        // Row 2: [0, 0, 0] + B = [0.5, 0, -10]         -> [0.5, 0, 0]
        Assert.Equal(new float[] { 0, 0, 0, 2.5f, 4, 0, 0.5f, 0, 0 }, y);
        Assert.Equal(new long[] { 3, 3 }, outputs[0].GetTensorTypeAndShape().Shape);
    }

    [Fact]
    public void Cpu_execution_provider_is_available()
    {
        Assert.Contains("CPUExecutionProvider", OrtEnv.Instance().GetAvailableProviders());
    }

    private static ValueInfoProto FloatInput(string name, string? batch, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch ?? "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(dims);
        t.FloatData.Add(values);
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
