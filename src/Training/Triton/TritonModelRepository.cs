using System.Globalization;
using System.Text;
using Google.Protobuf;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Triton;

/// <summary>
/// Writes an ONNX model as a Triton Inference Server model repository entry: <c>DIR/&lt;name&gt;/1/model.onnx</c> and
/// <c>DIR/&lt;name&gt;/config.pbtxt</c> (platform <c>onnxruntime_onnx</c>, inputs and outputs read from the graph,
/// dynamic batching, CPU and GPU instance groups).
/// </summary>
/// <remarks>
/// Triton batches along the first axis, so every graph input and output must have a dynamic first axis (ONNX
/// <c>dim_param</c> or an unnamed dimension); the config lists the other axes as <c>dims</c> (-1 where dynamic) and
/// sets <c>max_batch_size</c>. A graph with a scalar input (the Gumbel gate's Temperature) or a batch axis fixed to a
/// number (a single-row flow graph) is refused with an <see cref="ArgumentException"/> naming the tensor, rather than
/// exported with <c>max_batch_size: 0</c>: such a graph scores one request at a time and gains nothing from Triton's
/// batcher, and its clients would send different shapes from the batched graph's. A tensor of shape [N] is declared
/// with <c>dims: [ 1 ]</c> and <c>reshape: { shape: [ ] }</c>, as Triton requires for batch-only tensors.
/// </remarks>
public static class TritonModelRepository
{
    /// <summary>The Triton platform of ONNX models served by the ONNX Runtime backend.</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>The file name Triton looks for in a version folder of an ONNX model.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The model configuration's file name.</summary>
    public const string ConfigFileName = "config.pbtxt";

    /// <summary>
    /// Writes <c>&lt;repository&gt;/&lt;modelName&gt;/&lt;version&gt;/model.onnx</c> and <c>config.pbtxt</c>. The model
    /// folder is built beside its destination under a temporary name and then renamed into place (replacing an
    /// existing folder of that name), so a server polling the repository never sees half a model.
    /// </summary>
    /// <param name="repository">The model repository folder; created when missing.</param>
    /// <param name="modelName">The model's name: letters, digits, '_', '-' and '.', not starting with '.'.</param>
    /// <param name="onnxModel">A serialized ONNX model whose inputs and outputs all have a dynamic batch axis.</param>
    /// <param name="options">Batching and instance settings; null for the defaults.</param>
    /// <returns>The model's folder, <c>&lt;repository&gt;/&lt;modelName&gt;</c>.</returns>
    /// <exception cref="ArgumentException">The name, the options or the graph cannot be served as described.</exception>
    public static string Write(string repository, string modelName, byte[] onnxModel, TritonModelRepositoryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        options ??= new TritonModelRepositoryOptions();
        string config = CreateConfig(modelName, onnxModel, options);
        string root = Path.GetFullPath(repository);
        Directory.CreateDirectory(root);
        string destination = Path.Combine(root, modelName);
        string staging = Path.Combine(root, $".{modelName}.{Guid.NewGuid():N}.tmp");
        string? replaced = null;
        try
        {
            string versionFolder = Path.Combine(staging, options.Version.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(versionFolder);
            WriteDurably(Path.Combine(versionFolder, ModelFileName), onnxModel);
            WriteDurably(Path.Combine(staging, ConfigFileName), Encoding.UTF8.GetBytes(config));
            if (Directory.Exists(destination))
            {
                replaced = Path.Combine(root, $".{modelName}.{Guid.NewGuid():N}.old");
                Directory.Move(destination, replaced);
            }

            Directory.Move(staging, destination);
        }
        catch
        {
            if (replaced is not null && !Directory.Exists(destination))
            {
                Directory.Move(replaced, destination);
                replaced = null;
            }

            TryDelete(staging);
            throw;
        }

        if (replaced is not null)
        {
            TryDelete(replaced);
        }

        return destination;
    }

    /// <summary>The text of <c>config.pbtxt</c> (protobuf text format of Triton's ModelConfig) for an ONNX model.</summary>
    /// <param name="modelName">The model's name, as in <see cref="Write"/>.</param>
    /// <param name="onnxModel">A serialized ONNX model whose inputs and outputs all have a dynamic batch axis.</param>
    /// <param name="options">Batching and instance settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">The name, the options or the graph cannot be served as described.</exception>
    public static string CreateConfig(string modelName, byte[] onnxModel, TritonModelRepositoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        options ??= new TritonModelRepositoryOptions();
        ValidateName(modelName);
        Validate(options);
        GraphProto graph;
        try
        {
            graph = ModelProto.Parser.ParseFrom(onnxModel).Graph
                ?? throw new ArgumentException("The ONNX model has no graph.", nameof(onnxModel));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ArgumentException($"The bytes are not an ONNX model: {e.Message}", nameof(onnxModel), e);
        }

        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(i => Describe(i, "input")).ToList();
        var outputs = graph.Output.Select(o => Describe(o, "output")).ToList();
        if (inputs.Count == 0 || outputs.Count == 0)
        {
            throw new ArgumentException($"The ONNX graph has {inputs.Count} inputs and {outputs.Count} outputs; Triton needs at least one of each.", nameof(onnxModel));
        }

        var text = new StringBuilder();
        text.Append("# Triton model configuration written by MLNetMixture from the ONNX graph's inputs and outputs.\n");
        text.Append(CultureInfo.InvariantCulture, $"name: {Quote(modelName)}\n");
        text.Append(CultureInfo.InvariantCulture, $"platform: {Quote(Platform)}\n");
        text.Append(CultureInfo.InvariantCulture, $"max_batch_size: {options.MaxBatchSize}\n");
        foreach (var tensor in inputs)
        {
            AppendTensor(text, "input", tensor);
        }

        foreach (var tensor in outputs)
        {
            AppendTensor(text, "output", tensor);
        }

        text.Append("dynamic_batching {\n");
        if (options.PreferredBatchSizes.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  preferred_batch_size: [ {string.Join(", ", options.PreferredBatchSizes)} ]\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"  max_queue_delay_microseconds: {options.MaxQueueDelayMicroseconds}\n");
        text.Append("}\n");
        if (options.CpuInstances > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"instance_group {{\n  kind: KIND_CPU\n  count: {options.CpuInstances}\n}}\n");
        }

        if (options.GpuInstances > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"instance_group {{\n  kind: KIND_GPU\n  count: {options.GpuInstances}\n}}\n");
        }

        return text.ToString();
    }

    /// <summary>Triton's data type name for an ONNX tensor element type (TensorProto.DataType number).</summary>
    /// <param name="onnxElementType">The ONNX element type: 1 float, 7 int64 and so on.</param>
    /// <exception cref="ArgumentOutOfRangeException">The type has no Triton counterpart.</exception>
    public static string TritonDataType(int onnxElementType) => onnxElementType switch
    {
        1 => "TYPE_FP32",
        2 => "TYPE_UINT8",
        3 => "TYPE_INT8",
        4 => "TYPE_UINT16",
        5 => "TYPE_INT16",
        6 => "TYPE_INT32",
        7 => "TYPE_INT64",
        8 => "TYPE_STRING",
        9 => "TYPE_BOOL",
        10 => "TYPE_FP16",
        11 => "TYPE_FP64",
        12 => "TYPE_UINT32",
        13 => "TYPE_UINT64",
        16 => "TYPE_BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(onnxElementType), onnxElementType, $"ONNX element type {onnxElementType} has no Triton data type."),
    };

    private static TensorDescription Describe(ValueInfoProto value, string role)
    {
        var tensor = value.Type?.TensorType
            ?? throw new ArgumentException($"ONNX {role} '{value.Name}' is not a tensor; Triton export handles tensors only.", "onnxModel");
        string dataType;
        try
        {
            dataType = TritonDataType(tensor.ElemType);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"ONNX {role} '{value.Name}': {e.Message.Split(Environment.NewLine)[0]}", "onnxModel", e);
        }

        if (tensor.Shape is null)
        {
            throw new ArgumentException($"ONNX {role} '{value.Name}' has no declared shape; Triton export needs a dynamic batch axis first (expected [N, ...], found an unknown rank).", "onnxModel");
        }

        var dims = tensor.Shape.Dim;
        string shape = "[" + string.Join(", ", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? d.DimValue.ToString(CultureInfo.InvariantCulture)
            : d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam && d.DimParam.Length > 0 ? d.DimParam : "?")) + "]";
        if (dims.Count == 0)
        {
            throw new ArgumentException($"ONNX {role} '{value.Name}' is a scalar (shape []); Triton export needs a dynamic batch axis first (expected [N, ...], found rank 0). Export a graph without scalar inputs (e.g. a soft or hard gate rather than gumbel).", "onnxModel");
        }

        if (dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            throw new ArgumentException($"ONNX {role} '{value.Name}' has shape {shape}; Triton export needs a dynamic batch axis first (expected [N, ...], found a fixed {dims[0].DimValue}). Export the batched graph rather than a single-row one.", "onnxModel");
        }

        var rest = dims.Skip(1).Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1L).ToArray();
        return new TensorDescription(value.Name, dataType, rest);
    }

    private static void AppendTensor(StringBuilder text, string field, TensorDescription tensor)
    {
        text.Append(CultureInfo.InvariantCulture, $"{field} {{\n  name: {Quote(tensor.Name)}\n  data_type: {tensor.DataType}\n");
        if (tensor.Dims.Length == 0)
        {
            // A batch-only tensor [N]: Triton wants one element per batch entry, reshaped to nothing for the model.
            text.Append("  dims: [ 1 ]\n  reshape: { shape: [ ] }\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"  dims: [ {string.Join(", ", tensor.Dims)} ]\n");
        }

        text.Append("}\n");
    }

    private static void ValidateName(string modelName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        if (modelName[0] == '.' || !modelName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new ArgumentException($"Triton model name '{modelName}' must use letters, digits, '_', '-' and '.' only and not start with '.' (it names a folder of the repository).", nameof(modelName));
        }
    }

    private static void Validate(TritonModelRepositoryOptions options)
    {
        if (options.MaxBatchSize < 1)
        {
            throw new ArgumentException($"MaxBatchSize must be at least 1; found {options.MaxBatchSize}.", nameof(options));
        }

        foreach (int size in options.PreferredBatchSizes)
        {
            if (size < 1 || size > options.MaxBatchSize)
            {
                throw new ArgumentException($"Preferred batch sizes must be from 1 to MaxBatchSize ({options.MaxBatchSize}); found {size}.", nameof(options));
            }
        }

        if (options.MaxQueueDelayMicroseconds < 0)
        {
            throw new ArgumentException($"MaxQueueDelayMicroseconds must be 0 or more; found {options.MaxQueueDelayMicroseconds}.", nameof(options));
        }

        if (options.CpuInstances < 0 || options.GpuInstances < 0 || options.CpuInstances + options.GpuInstances == 0)
        {
            throw new ArgumentException($"Instance counts must be 0 or more, with at least one instance; found {options.CpuInstances} CPU and {options.GpuInstances} GPU.", nameof(options));
        }

        if (options.Version < 1)
        {
            throw new ArgumentException($"Version must be at least 1; found {options.Version}.", nameof(options));
        }
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover dot-folder is harmless: it is removed on the next export of that name or by hand.
        }
        catch (UnauthorizedAccessException)
        {
            // As above: best effort.
        }
    }

    private sealed record TensorDescription(string Name, string DataType, long[] Dims);
}
