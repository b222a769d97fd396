using Google.Protobuf;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Turns a flow density graph exported with <see cref="MixtureDensityFlowOnnxExportOptions.SingleRow"/> (the graph
/// ML.NET's <c>ApplyOnnxModel</c> saves for a flow) back into the batched graph, so that it can score N rows per
/// ONNX Runtime call.
/// </summary>
/// <remarks>
/// The one-row graph is the batched graph with the input fixed to [1, D] and one extra node: a Reshape of the [1, K]
/// posterior to [K] (under the output's Identity). The graph builder keeps the rest batch-agnostic (every Reshape passes 0 or -1 for the batch), so
/// giving the input a dynamic first dimension, reshaping the posterior to [-1, K] instead, and declaring the outputs
/// [N] and [N, K] gives the batched graph. The tests check the result against the batched export for every flow
/// layer kind.
/// </remarks>
internal static class SingleRowFlowGraph
{
    private const string BatchedShape = "ComponentPosterior.BatchedShape";

    /// <summary>
    /// The batched form of <paramref name="model"/> when it is an MLNetMixture flow density graph with one-row shapes
    /// (metadata model_kind MixtureDensityFlow, single_row true); null for any other model.
    /// </summary>
    /// <exception cref="InvalidDataException">The metadata says one-row flow graph but the graph is not shaped like one.</exception>
    public static byte[]? Batched(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }

        var metadata = proto.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        if (!metadata.TryGetValue(OnnxMetadataKeys.ModelKind, out var kind) || kind != MixtureDensityFlowOnnxExporter.ModelKind
            || !metadata.TryGetValue(OnnxMetadataKeys.SingleRow, out var singleRow) || singleRow != "true")
        {
            return null;
        }

        var graph = proto.Graph;
        var input = graph.Input.Count == 1 ? graph.Input[0] : null; // the features input, whatever its name
        var reshape = Producer(graph, MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput);
        if (reshape is { OpType: "Identity", Input.Count: 1 })
        {
            // Graph outputs are Identity nodes over the value they expose.
            reshape = Producer(graph, reshape.Input[0]);
        }

        var posterior = graph.Output.SingleOrDefault(o => o.Name == MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput);
        if (input is null || reshape is not { OpType: "Reshape", Input.Count: 2 } || posterior is null
            || Dims(input) is not [{ DimValue: 1 }, _] || Dims(posterior) is not [{ DimValue: > 0 } components])
        {
            throw new InvalidDataException($"The ONNX model says it is a one-row flow density graph (metadata {OnnxMetadataKeys.SingleRow}=true) but lacks its one [1, D] features input or the Reshape to [K] behind output '{MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput}'.");
        }

        Dims(input)[0] = BatchDimension();
        var shape = new TensorProto { Name = BatchedShape, DataType = (int)TensorProto.Types.DataType.Int64 };
        shape.Dims.Add(2);
        shape.Int64Data.Add([-1, components.DimValue]);
        graph.Initializer.Add(shape);
        reshape.Input[1] = BatchedShape;
        Dims(posterior).Insert(0, BatchDimension());
        foreach (var output in graph.Output.Where(o => o.Name != MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput))
        {
            if (Dims(output) is [{ DimValue: 1 }])
            {
                Dims(output)[0] = BatchDimension();
            }
        }

        var flag = proto.MetadataProps.Where(p => p.Key == OnnxMetadataKeys.SingleRow).ToArray();
        foreach (var p in flag)
        {
            proto.MetadataProps.Remove(p);
        }

        return proto.ToByteArray();
    }

    private static NodeProto? Producer(GraphProto graph, string value) => graph.Node.SingleOrDefault(n => n.Output.Contains(value));

    private static Google.Protobuf.Collections.RepeatedField<TensorShapeProto.Types.Dimension> Dims(ValueInfoProto value) => value.Type.TensorType.Shape.Dim;

    private static TensorShapeProto.Types.Dimension BatchDimension() => new() { DimParam = OnnxGraphBuilder.BatchDimensionName };
}
