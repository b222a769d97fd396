using System.Reflection;
using Google.Protobuf;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Wraps a graph from <see cref="OnnxGraphBuilder"/> in an ONNX model (IR version matched to the opset, producer,
/// metadata) and writes it as bytes or, atomically, to a file.
/// </summary>
public sealed class OnnxModelWriter
{
    /// <summary>Creates a writer with the default producer (MLNetMixture and its assembly version).</summary>
    public OnnxModelWriter()
    {
        var assembly = typeof(OnnxModelWriter).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        ProducerVersion = plus >= 0 ? version![..plus] : version ?? assembly.GetName().Version?.ToString() ?? string.Empty;
    }

    /// <summary>The producer name recorded in the model.</summary>
    public string ProducerName { get; set; } = "MLNetMixture";

    /// <summary>The producer version recorded in the model.</summary>
    public string ProducerVersion { get; set; }

    /// <summary>The model's domain (reverse-DNS name of the model's namespace), or empty.</summary>
    public string Domain { get; set; } = string.Empty;

    /// <summary>The version of the model itself (not of the format).</summary>
    public long ModelVersion { get; set; }

    /// <summary>A human-readable description stored in the model, or empty.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>String key/value pairs stored as the model's metadata_props, written in ordinal key order.</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The ONNX IR version that goes with an opset: 8 for opsets 17 and 18, 9 for 19 and 20, 10 for 21 (the IR
    /// version of the ONNX release that introduced the opset).
    /// </summary>
    /// <param name="opset">An opset from <see cref="OnnxGraphBuilder.MinimumOpset"/> to <see cref="OnnxGraphBuilder.MaximumOpset"/>.</param>
    public static long IrVersionFor(int opset) => opset switch
    {
        17 or 18 => 8,
        19 or 20 => 9,
        21 => 10,
        _ => throw new ArgumentOutOfRangeException(nameof(opset), opset, $"Supported ONNX opsets are {OnnxGraphBuilder.MinimumOpset} to {OnnxGraphBuilder.MaximumOpset}."),
    };

    /// <summary>The serialized model.</summary>
    /// <param name="graph">The graph, with at least one output.</param>
    public byte[] ToBytes(OnnxGraphBuilder graph) => BuildModel(graph).ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically: the bytes go to a temporary file in the same
    /// folder, which then replaces the destination, so readers never see a partly written model.
    /// </summary>
    /// <param name="graph">The graph, with at least one output.</param>
    /// <param name="path">The destination file; its folder must exist. An existing file is replaced.</param>
    public void WriteFile(OnnxGraphBuilder graph, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes(graph);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The model message around a copy of the graph.</summary>
    internal ModelProto BuildModel(OnnxGraphBuilder graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.OutputNames.Count == 0)
        {
            throw new InvalidOperationException("The graph has no outputs; add one with AddOutput or AddArgMaxOutput.");
        }

        var model = new ModelProto
        {
            IrVersion = IrVersionFor(graph.Opset),
            ProducerName = ProducerName ?? string.Empty,
            ProducerVersion = ProducerVersion ?? string.Empty,
            Domain = Domain ?? string.Empty,
            ModelVersion = ModelVersion,
            DocString = Description ?? string.Empty,
            Graph = graph.Graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = graph.Opset });
        foreach (var (key, value) in Metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value ?? string.Empty });
        }

        return model;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
