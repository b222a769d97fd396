using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNetMixture.Transforms.Scoring;

/// <summary>
/// Scores feature matrices with an ONNX model through ONNX Runtime, in batches: one session reused across
/// calls, inputs passed as OrtValues over pinned managed memory (no copies), outputs written straight into the
/// result arrays when their shapes are known. Safe to call from several threads at once.
/// </summary>
/// <remarks>
/// Works with the models MLNetMixture exports and with any ONNX model whose inputs are float32 tensors with the
/// batch as the first dimension; each input is given as a row-major [rows, width] array. A float32 scalar input
/// (rank 0, e.g. a sampling temperature) is given as an array of one value, passed unchanged with every batch.
/// </remarks>
public sealed class OnnxScorer : IDisposable
{
    private const string CpuProvider = "CPUExecutionProvider";
    private const string CudaProvider = "CUDAExecutionProvider";
    private readonly InferenceSession _session;
    private readonly OnnxScoringOptions _options;
    private readonly string[] _inputNames;
    private readonly long[][] _inputRowShapes;
    private readonly bool[] _scalarInputs;
    private readonly string[] _outputNames;
    private readonly Dictionary<string, (TensorElementType Type, long[] RowShape, bool Static, long[] Declared)> _outputs = [];
    private long _runs;
    private long _rowsRun;

    private OnnxScorer(InferenceSession session, OnnxScoringOptions options, string activeProvider, string? fallbackReason)
    {
        _session = session;
        _options = options;
        ActiveProvider = activeProvider;
        FallbackReason = fallbackReason;
        _inputNames = [.. session.InputMetadata.Keys];
        _inputRowShapes = new long[_inputNames.Length][];
        _scalarInputs = new bool[_inputNames.Length];
        for (int i = 0; i < _inputNames.Length; i++)
        {
            var meta = session.InputMetadata[_inputNames[i]];
            if (meta.ElementDataType != TensorElementType.Float)
            {
                throw new NotSupportedException($"Input '{_inputNames[i]}' is {meta.ElementDataType}; OnnxScorer feeds float32 inputs only.");
            }

            _scalarInputs[i] = meta.Dimensions.Length == 0;
            _inputRowShapes[i] = _scalarInputs[i] ? [] : meta.Dimensions.Skip(1).Select(d => (long)d).ToArray();
        }

        // A graph whose every batched input is fixed to one row (e.g. a flow exported with SingleRow) is run a row
        // at a time; its outputs may lack the batch axis ([K] rather than [1, K]), so a row's shape is the declared
        // shape without a leading 1.
        var batched = Enumerable.Range(0, _inputNames.Length).Where(i => !_scalarInputs[i]).ToArray();
        SingleRow = batched.Length > 0 && batched.All(i => session.InputMetadata[_inputNames[i]].Dimensions[0] == 1);
        _outputNames = [.. session.OutputMetadata.Keys];
        foreach (var name in _outputNames)
        {
            var meta = session.OutputMetadata[name];
            var dims = meta.Dimensions.Select(d => (long)d).ToArray();
            var row = RowShape(dims);
            _outputs[name] = (meta.ElementDataType, row, row.All(d => d > 0), dims);
        }

        Metadata = session.ModelMetadata.CustomMetadataMap;
    }

    /// <summary>
    /// True when every batched input is fixed to one row: <see cref="Score(IReadOnlyDictionary{string, float[]}, int, IReadOnlyList{string}?)"/>
    /// then runs the graph once per row, whatever <see cref="OnnxScoringOptions.BatchSize"/> says.
    /// </summary>
    public bool SingleRow { get; }

    /// <summary>The execution provider in use: "CUDAExecutionProvider" or "CPUExecutionProvider".</summary>
    public string ActiveProvider { get; }

    /// <summary>Why CUDA was not used after it was requested with fallback, or null.</summary>
    public string? FallbackReason { get; }

    /// <summary>ONNX Runtime Run calls made so far (all threads): how many batches were scored.</summary>
    internal long Runs => Interlocked.Read(ref _runs);

    /// <summary>Rows passed to ONNX Runtime so far (all threads); with <see cref="Runs"/>, the rows per call.</summary>
    internal long RowsRun => Interlocked.Read(ref _rowsRun);

    /// <summary>The graph's input names, in order.</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    /// <summary>The graph's output names, in order.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>The model's custom metadata (feature names, class labels, standardisation for MLNetMixture models).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Values per row of input <paramref name="name"/> (the product of its non-batch dimensions; -1 if dynamic); 1 for
    /// a scalar input, which takes one value per call rather than per row.
    /// </summary>
    public long InputWidth(string name)
    {
        int i = Array.IndexOf(_inputNames, name);
        if (i < 0)
        {
            throw new ArgumentException($"The model has no input '{name}'; inputs: {string.Join(", ", _inputNames)}.", nameof(name));
        }

        return _scalarInputs[i] ? 1 : _inputRowShapes[i].Any(d => d <= 0) ? -1 : _inputRowShapes[i].Aggregate(1L, (a, d) => a * d);
    }

    /// <summary>
    /// The non-batch dimensions of output <paramref name="name"/> as the model declares them: empty for a [N] output
    /// (one value per row), [C] for [N, C]; a dimension known only at run time is -1.
    /// </summary>
    public IReadOnlyList<long> OutputRowShape(string name) => [.. Output(name).RowShape];

    /// <summary>The element type of output <paramref name="name"/>: <see cref="float"/>, <see cref="long"/>, or another CLR type for outputs <see cref="Score(float[], int, IReadOnlyList{string}?)"/> does not support.</summary>
    public Type OutputElementType(string name) => Output(name).Type switch
    {
        TensorElementType.Float => typeof(float),
        TensorElementType.Int64 => typeof(long),
        TensorElementType.Int32 => typeof(int),
        TensorElementType.Double => typeof(double),
        TensorElementType.String => typeof(string),
        TensorElementType.Bool => typeof(bool),
        var other => throw new NotSupportedException($"Output '{name}' has element type {other}."),
    };

    /// <summary>Loads a model file.</summary>
    public static OnnxScorer Load(string path, OnnxScoringOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        }

        return Create(File.ReadAllBytes(path), options ?? new OnnxScoringOptions(), path);
    }

    /// <summary>Loads a model from its bytes.</summary>
    public static OnnxScorer Load(byte[] model, OnnxScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(model, options ?? new OnnxScoringOptions(), "an in-memory model");
    }

    /// <summary>Scores a model with one input; <paramref name="features"/> is row-major [rows, width].</summary>
    public IReadOnlyDictionary<string, OnnxOutput> Score(float[] features, int rows, IReadOnlyList<string>? outputs = null)
    {
        if (_inputNames.Length != 1)
        {
            throw new InvalidOperationException($"The model has {_inputNames.Length} inputs ({string.Join(", ", _inputNames)}); pass them by name.");
        }

        return Score(new Dictionary<string, float[]> { [_inputNames[0]] = features }, rows, outputs);
    }

    /// <summary>
    /// Scores <paramref name="rows"/> rows; each input is a row-major [rows, width] array, matched by name, except
    /// scalar inputs, which are arrays of one value.
    /// </summary>
    public IReadOnlyDictionary<string, OnnxOutput> Score(IReadOnlyDictionary<string, float[]> inputs, int rows, IReadOnlyList<string>? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var wanted = outputs?.ToArray() ?? _outputNames;
        foreach (var o in wanted)
        {
            if (!_outputs.ContainsKey(o))
            {
                throw new ArgumentException($"The model has no output '{o}'; outputs: {string.Join(", ", _outputNames)}.", nameof(outputs));
            }
        }

        var arrays = new float[_inputNames.Length][];
        var widths = new int[_inputNames.Length];
        for (int i = 0; i < _inputNames.Length; i++)
        {
            if (!inputs.TryGetValue(_inputNames[i], out var a))
            {
                throw new ArgumentException($"Missing input '{_inputNames[i]}'; the model's inputs are {string.Join(", ", _inputNames)}.", nameof(inputs));
            }

            if (_scalarInputs[i])
            {
                if (a.Length != 1)
                {
                    throw new ArgumentException($"Input '{_inputNames[i]}' is a scalar; pass an array of one value, not {a.Length}.", nameof(inputs));
                }

                arrays[i] = a;
                continue;
            }

            if (rows > 0 && a.Length % rows != 0)
            {
                throw new ArgumentException($"Input '{_inputNames[i]}' has {a.Length} values, not a multiple of {rows} rows.", nameof(inputs));
            }

            widths[i] = rows == 0 ? 0 : a.Length / rows;
            long expected = InputWidth(_inputNames[i]);
            if (expected > 0 && widths[i] != expected)
            {
                throw new ArgumentException($"Input '{_inputNames[i]}' expects {expected} values per row; found {widths[i]} ({a.Length} values for {rows} rows).", nameof(inputs));
            }

            arrays[i] = a;
        }

        var results = new Dictionary<string, OnnxOutput>(StringComparer.Ordinal);
        int batch = SingleRow ? 1 : Math.Max(1, _options.BatchSize);
        using var runOptions = new RunOptions();
        for (int start = 0; start < rows; start += batch)
        {
            int n = Math.Min(batch, rows - start);
            RunBatch(runOptions, arrays, widths, start, n, rows, wanted, results);
        }

        if (rows == 0)
        {
            foreach (var o in wanted)
            {
                var (type, rowShape, _, _) = _outputs[o];
                results[o] = new OnnxOutput(o, [0, .. rowShape.Select(d => Math.Max(d, 0))], type == TensorElementType.Int64 ? null : [], type == TensorElementType.Int64 ? [] : null);
            }
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    /// <summary>
    /// One row's shape within an output of shape <paramref name="dims"/>: without the batch axis; for a one-row graph
    /// without a leading 1, since such outputs may have no batch axis ([K] rather than [1, K]).
    /// </summary>
    private long[] RowShape(long[] dims) => SingleRow
        ? (dims.Length > 0 && dims[0] == 1 ? dims[1..] : dims)
        : (dims.Length <= 1 ? [] : dims[1..]);

    private (TensorElementType Type, long[] RowShape, bool Static, long[] Declared) Output(string name) =>
        _outputs.TryGetValue(name, out var output)
            ? output
            : throw new ArgumentException($"The model has no output '{name}'; outputs: {string.Join(", ", _outputNames)}.", nameof(name));

    /// <summary>Loads a model from its bytes; <paramref name="source"/> names it in messages (e.g. where it was read from).</summary>
    internal static OnnxScorer Load(byte[] model, OnnxScoringOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return Create(model, options, source);
    }

    private static OnnxScorer Create(byte[] model, OnnxScoringOptions options, string source)
    {
        if (options.Device != OnnxExecutionDevice.Cuda)
        {
            return new OnnxScorer(CpuSession(model, options, source), options, CpuProvider, null);
        }

        string? problem = CudaAvailability.Problem(options.DeviceId);
        bool cudaSessionFailed = false;
        if (problem is null)
        {
            using var sessionOptions = SessionOptionsFor(options);
            problem = TryAppendCuda(sessionOptions, options);
            if (problem is null)
            {
                try
                {
                    return new OnnxScorer(new InferenceSession(model, sessionOptions), options, CudaProvider, null);
                }
                catch (OnnxRuntimeException e)
                {
                    // The model may be at fault rather than CUDA: a CPU session below tells (and throws if so).
                    cudaSessionFailed = true;
                    problem = $"ONNX Runtime could not create a session on CUDA device {options.DeviceId} ({e.Message.Trim()}).";
                }
            }
        }

        if (!options.FallbackToCpu)
        {
            if (cudaSessionFailed)
            {
                CpuSession(model, options, source).Dispose();
            }

            throw new ExecutionProviderUnavailableException($"CUDA device {options.DeviceId} cannot be used: {problem} (Set FallbackToCpu to run on the CPU instead.)");
        }

        var session = CpuSession(model, options, source);
        (options.Warning ?? (m => Console.Error.WriteLine(m)))($"warning: CUDA requested for {source} but unavailable: {problem} Scoring on the CPU instead.");
        return new OnnxScorer(session, options, CpuProvider, problem);
    }

    private static SessionOptions SessionOptionsFor(OnnxScoringOptions options)
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        return sessionOptions;
    }

    private static InferenceSession CpuSession(byte[] model, OnnxScoringOptions options, string source)
    {
        using var sessionOptions = SessionOptionsFor(options);
        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load {source}: {e.Message}", e);
        }
    }

    /// <summary>Appends the CUDA provider; null on success, else why ONNX Runtime refused (after <see cref="CudaAvailability"/> found nothing missing).</summary>
    private static string? TryAppendCuda(SessionOptions sessionOptions, OnnxScoringOptions options)
    {
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            var settings = new Dictionary<string, string> { ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (options.GpuMemoryLimitBytes is long limit)
            {
                settings["gpu_mem_limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            cuda.UpdateOptions(settings);
            sessionOptions.AppendExecutionProvider_CUDA(cuda);
            return null;
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            return $"ONNX Runtime could not start its CUDA execution provider ({e.Message.Trim()}); its own log line above names the library it could not load. CUDA {CudaLibraryAdvice.CudaMajor} and cuDNN {CudaLibraryAdvice.CudnnMajor} must be on the loader path ({(OperatingSystem.IsWindows() ? "PATH" : "LD_LIBRARY_PATH")}).";
        }
    }

    private void RunBatch(RunOptions runOptions, float[][] arrays, int[] widths, int start, int n, int totalRows, string[] wanted, Dictionary<string, OnnxOutput> results)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _rowsRun, n);
        var inputValues = new OrtValue[_inputNames.Length];
        var outputValues = new List<OrtValue>();
        var preBound = new bool[wanted.Length];
        try
        {
            for (int i = 0; i < _inputNames.Length; i++)
            {
                if (_scalarInputs[i])
                {
                    inputValues[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(arrays[i]), []);
                    continue;
                }

                long[] shape = [n, .. _inputRowShapes[i].Select(d => d > 0 ? d : widths[i])];
                if (_inputRowShapes[i].Length == 0)
                {
                    shape = [n];
                }

                var memory = new Memory<float>(arrays[i], start * widths[i], n * widths[i]);
                inputValues[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape);
            }

            // Outputs with known row shapes are written in place into the result arrays.
            var boundValues = new OrtValue?[wanted.Length];
            for (int o = 0; o < wanted.Length; o++)
            {
                var (type, rowShape, isStatic, declared) = _outputs[wanted[o]];
                if (!isStatic || !(type is TensorElementType.Float or TensorElementType.Int64))
                {
                    continue;
                }

                long width = rowShape.Aggregate(1L, (a, d) => a * d);
                long[] full = [totalRows, .. rowShape];
                if (!results.TryGetValue(wanted[o], out var res))
                {
                    res = type == TensorElementType.Float
                        ? new OnnxOutput(wanted[o], full, new float[totalRows * width], null)
                        : new OnnxOutput(wanted[o], full, null, new long[totalRows * width]);
                    results[wanted[o]] = res;
                }

                long[] shape = SingleRow ? declared : [n, .. rowShape];
                boundValues[o] = type == TensorElementType.Float
                    ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(res.Floats!, (int)(start * width), (int)(n * width)), shape)
                    : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<long>(res.Int64s!, (int)(start * width), (int)(n * width)), shape);
                preBound[o] = true;
            }

            if (preBound.All(b => b))
            {
                var bound = boundValues.Select(v => v!).ToArray();
                outputValues.AddRange(bound);
                _session.Run(runOptions, _inputNames, inputValues, wanted, bound);
                return;
            }

            foreach (var v in boundValues)
            {
                v?.Dispose();
            }

            using var produced = _session.Run(runOptions, _inputNames, inputValues, wanted);
            for (int o = 0; o < wanted.Length; o++)
            {
                var value = produced[o];
                var info = value.GetTensorTypeAndShape();
                long[] valueRow = RowShape(info.Shape);
                long width = valueRow.Aggregate(1L, (a, d) => a * d);
                if (!results.TryGetValue(wanted[o], out var res))
                {
                    long[] full = [totalRows, .. valueRow];
                    res = info.ElementDataType switch
                    {
                        TensorElementType.Float => new OnnxOutput(wanted[o], full, new float[totalRows * width], null),
                        TensorElementType.Int64 => new OnnxOutput(wanted[o], full, null, new long[totalRows * width]),
                        _ => throw new NotSupportedException($"Output '{wanted[o]}' is {info.ElementDataType}; only float32 and int64 outputs are supported."),
                    };
                    results[wanted[o]] = res;
                }

                if (res.Floats is not null)
                {
                    value.GetTensorDataAsSpan<float>().CopyTo(res.Floats.AsSpan((int)(start * width)));
                }
                else
                {
                    value.GetTensorDataAsSpan<long>().CopyTo(res.Int64s.AsSpan((int)(start * width)));
                }
            }
        }
        finally
        {
            foreach (var v in inputValues)
            {
                v?.Dispose();
            }

            foreach (var v in outputValues)
            {
                v.Dispose();
            }
        }
    }
}
