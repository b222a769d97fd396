using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx.Proto;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// Builds an ONNX graph by implementing <see cref="IComputeGraph"/>: model code that runs on a <see cref="Tape"/>
/// for training runs here unchanged and emits standard ONNX operators (every one with a CPU and a CUDA kernel in
/// ONNX Runtime), so the exported graph computes what the tape computed. Write the result with
/// <see cref="OnnxModelWriter"/>.
/// </summary>
/// <remarks>
/// Shapes are tracked statically: <see cref="Shape"/> reports -1 for dimensions known only at run time (the
/// batch dimension declared with -1 in <see cref="AddInput"/>, and what is derived from it), so model code may
/// read feature dimensions but must pass 0 or -1 to <see cref="Reshape"/> for the batch dimension.
/// Not thread-safe.
/// </remarks>
public sealed partial class OnnxGraphBuilder : IComputeGraph
{
    /// <summary>The oldest ONNX opset the builder emits.</summary>
    public const int MinimumOpset = 17;

    /// <summary>The newest ONNX opset the builder emits.</summary>
    public const int MaximumOpset = 21;

    /// <summary>The opset used when none is given.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The symbolic name of the dynamic batch dimension in inputs and outputs.</summary>
    public const string BatchDimensionName = "N";

    /// <summary>Internal marker for a dimension equal to the batch dimension.</summary>
    private const int BatchDim = -1;

    /// <summary>Internal marker for a dimension known only at run time that is not simply the batch dimension.</summary>
    private const int UnknownDim = -2;

    private readonly GraphProto _graph;
    private readonly List<ValueEntry> _values = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<Parameter, Var> _parameters = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> _sharedConstants = new(StringComparer.Ordinal);
    private readonly List<string> _inputNames = [];
    private readonly List<string> _outputNames = [];
    private int _counter;

    /// <summary>Creates an empty graph.</summary>
    /// <param name="opset">The ONNX opset of the default domain, <see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>.</param>
    /// <param name="graphName">The graph's name inside the model.</param>
    public OnnxGraphBuilder(int opset = DefaultOpset, string graphName = "MLNetMixture")
    {
        if (opset is < MinimumOpset or > MaximumOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"Supported ONNX opsets are {MinimumOpset} to {MaximumOpset}.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        Opset = opset;
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>The ONNX opset of the default domain that the emitted nodes follow.</summary>
    public int Opset { get; }

    /// <summary>The names of the graph inputs, in the order they were added.</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    /// <summary>The names of the graph outputs, in the order they were added.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>The graph as built so far (not copied).</summary>
    internal GraphProto Graph => _graph;

    /// <summary>
    /// Declares a float32 graph input and returns it as a value.
    /// </summary>
    /// <param name="name">The input's name, unique in the graph.</param>
    /// <param name="dims">
    /// The dimensions; -1 marks the dynamic batch dimension (named <see cref="BatchDimensionName"/>). None declares
    /// a scalar (rank 0), e.g. a temperature given once per run.
    /// </param>
    public Var AddInput(string name, params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (int d in dims)
        {
            if (d < -1)
            {
                throw new ArgumentException($"Input dimensions are non-negative or -1 (dynamic batch); got [{string.Join(", ", dims)}].", nameof(dims));
            }
        }

        Reserve(name, nameof(name));
        var shape = (int[])dims.Clone();
        _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, shape));
        _inputNames.Add(name);
        return NewVar(name, shape);
    }

    /// <summary>Declares a float32 graph output holding <paramref name="value"/>.</summary>
    /// <param name="name">The output's name, unique in the graph.</param>
    /// <param name="value">The value to expose.</param>
    public void AddOutput(string name, Var value)
    {
        var entry = Entry(value);
        Reserve(name, nameof(name));
        _graph.Node.Add(MakeNode("Identity", name, [entry.Name]));
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, entry.Dims));
        _outputNames.Add(name);
    }

    /// <summary>
    /// Declares an int64 graph output holding the index of the largest element along the last axis of
    /// <paramref name="scores"/> (the first one on ties), with that axis removed (ONNX: ArgMax, keepdims=0).
    /// Models export predicted labels and chosen experts this way.
    /// </summary>
    /// <param name="name">The output's name, unique in the graph.</param>
    /// <param name="scores">Scores [..., C].</param>
    public void AddArgMaxOutput(string name, Var scores)
    {
        var entry = Entry(scores);
        if (entry.Dims.Length == 0)
        {
            throw new ArgumentException("Arg-max needs at least one axis.", nameof(scores));
        }

        Reserve(name, nameof(name));
        _graph.Node.Add(MakeNode("ArgMax", name, [entry.Name], IntAttribute("axis", -1), IntAttribute("keepdims", 0), IntAttribute("select_last_index", 0)));
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Int64, entry.Dims[..^1]));
        _outputNames.Add(name);
    }

    /// <summary>The ONNX name of a value, as it appears in the graph.</summary>
    /// <param name="x">A value of this graph.</param>
    public string NameOf(Var x) => Entry(x).Name;

    /// <inheritdoc />
    public int[] Shape(Var x)
    {
        var dims = (int[])Entry(x).Dims.Clone();
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0)
            {
                dims[i] = -1;
            }
        }

        return dims;
    }

    /// <inheritdoc />
    public Var Constant(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var dims = value.ShapeArray();
        string name = FreshName("Constant");
        _graph.Initializer.Add(FloatTensor(name, value.Span, dims));
        return NewVar(name, dims);
    }

    /// <inheritdoc />
    public Var Param(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (_parameters.TryGetValue(parameter, out var existing))
        {
            return existing;
        }

        Reserve(parameter.Name, nameof(parameter));
        var dims = parameter.Value.ShapeArray();
        _graph.Initializer.Add(FloatTensor(parameter.Name, parameter.Value.Span, dims));
        var v = NewVar(parameter.Name, dims);
        _parameters.Add(parameter, v);
        return v;
    }

    private static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, int[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        foreach (int d in dims)
        {
            t.Dims.Add(d);
        }

        return t;
    }

    private static TensorProto Int64Tensor(string name, ReadOnlySpan<long> values, int[] dims)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(bytes) };
        foreach (int d in dims)
        {
            t.Dims.Add(d);
        }

        return t;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, int[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (int d in dims)
        {
            shape.Dim.Add(d switch
            {
                >= 0 => new TensorShapeProto.Types.Dimension { DimValue = d },
                BatchDim => new TensorShapeProto.Types.Dimension { DimParam = BatchDimensionName },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        return a;
    }

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static NodeProto MakeNode(string opType, string output, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        return node;
    }

    /// <summary>A rank-0 float initializer, shared by every use of the same value.</summary>
    private string ScalarConstant(float value)
    {
        string key = "f:" + BitConverter.SingleToInt32Bits(value).ToString(CultureInfo.InvariantCulture);
        if (!_sharedConstants.TryGetValue(key, out var name))
        {
            name = FreshName("Scalar");
            _graph.Initializer.Add(FloatTensor(name, [value], []));
            _sharedConstants.Add(key, name);
        }

        return name;
    }

    /// <summary>A rank-1 int64 initializer (axes, shapes, indices), shared by every use of the same values.</summary>
    private string Int64Constant(params long[] values)
    {
        string key = "i:" + string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        if (!_sharedConstants.TryGetValue(key, out var name))
        {
            name = FreshName("Ints");
            _graph.Initializer.Add(Int64Tensor(name, values, [values.Length]));
            _sharedConstants.Add(key, name);
        }

        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    private string Emit(string opType, string[] inputs, params AttributeProto[] attributes)
    {
        string output = FreshName(opType);
        _graph.Node.Add(MakeNode(opType, output, inputs, attributes));
        return output;
    }

    /// <summary>Adds a node with one float output of the given dimensions and returns it as a value.</summary>
    private Var EmitVar(string opType, int[] dims, string[] inputs, params AttributeProto[] attributes) =>
        NewVar(Emit(opType, inputs, attributes), dims);

    private Var NewVar(string name, int[] dims)
    {
        _values.Add(new ValueEntry(name, dims));
        return new Var(_values.Count - 1);
    }

    private ValueEntry Entry(Var x)
    {
        if ((uint)x.Id >= (uint)_values.Count)
        {
            throw new ArgumentException($"Var {x.Id} does not belong to this graph (it has {_values.Count} values).", nameof(x));
        }

        return _values[x.Id];
    }

    private string FreshName(string stem)
    {
        string name;
        do
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{stem}_{_counter++}");
        }
        while (_names.Contains(name));

        _names.Add(name);
        return name;
    }

    private void Reserve(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, paramName);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is already used in this graph.", paramName);
        }
    }

    private readonly record struct ValueEntry(string Name, int[] Dims);
}
