using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <summary>
/// Eager reverse-mode automatic differentiation: every operation is computed when it is called and recorded;
/// <see cref="Backward"/> then walks the record in reverse and accumulates exact gradients into the
/// <see cref="Parameter"/>s that took part. Call <see cref="Reset"/> between steps: buffers are pooled, so a
/// training loop stops allocating tensors after its first step.
/// </summary>
/// <remarks>Not thread-safe: use one tape per thread. Kernels inside one operation may use several threads.</remarks>
public sealed partial class Tape : IComputeGraph
{
    private readonly List<Node> _nodes = [];
    private readonly List<Tensor> _values = [];
    private readonly List<Tensor?> _grads = [];
    private readonly TensorPool _pool = new();

    /// <summary>Creates a tape.</summary>
    /// <param name="threads">Threads for matrix products; 0 uses every core.</param>
    public Tape(int threads = 0)
    {
        Threads = threads;
    }

    /// <summary>Threads for matrix products; 0 uses every core. Results do not depend on this value.</summary>
    public int Threads { get; set; }

    /// <summary>When false, nothing is kept for <see cref="Backward"/> (inference); values are still computed.</summary>
    public bool RecordGradients { get; set; } = true;

    /// <summary>
    /// Where <see cref="Backward"/> accumulates the parameters' gradients, when not into their own
    /// <see cref="Parameter.Grad"/>: one tape per part of a batch, each with its own buffers, so that parts can be
    /// differentiated on different threads (<see cref="Trainers.DataParallelGradient"/>).
    /// </summary>
    internal IReadOnlyDictionary<Parameter, Tensor>? GradientBuffers { get; set; }

    /// <summary>The number of values recorded since the last <see cref="Reset"/>.</summary>
    public int Count => _nodes.Count;

    /// <summary>The value of <paramref name="x"/>. The tensor is reused after <see cref="Reset"/>: copy what you keep.</summary>
    public Tensor Value(Var x) => _values[Check(x)];

    /// <summary>The gradient of the last <see cref="Backward"/> call with respect to <paramref name="x"/>, or null when none reached it.</summary>
    public Tensor? Gradient(Var x) => _grads[Check(x)];

    /// <summary>Whether a gradient can flow to <paramref name="x"/> (it depends on a trainable parameter or a <see cref="Variable"/>).</summary>
    public bool RequiresGradient(Var x) => _nodes[Check(x)].NeedsGrad;

    /// <inheritdoc />
    public int[] Shape(Var x) => _values[Check(x)].ShapeArray();

    /// <summary>Forgets every recorded value and returns the buffers to the pool.</summary>
    public void Reset()
    {
        ReleaseGradients();
        for (int i = 0; i < _nodes.Count; i++)
        {
            if (_nodes[i].Owned)
            {
                _pool.Return(_values[i]);
            }

            if (_nodes[i].Op is OpKind.External or OpKind.MixtureLogLikelihood && _nodes[i].Extra is Tensor kept)
            {
                _pool.Return(kept);
            }
        }

        _nodes.Clear();
        _values.Clear();
        _grads.Clear();
    }

    /// <inheritdoc />
    public Var Constant(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Record(new Node { Op = OpKind.Constant }, value, owned: false);
    }

    /// <summary>
    /// A leaf whose gradient is wanted but that is not a <see cref="Parameter"/> (e.g. the input of a
    /// finite-difference check, or samples whose score is needed). Read it with <see cref="Gradient"/>.
    /// </summary>
    public Var Variable(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Record(new Node { Op = OpKind.Constant, NeedsGrad = RecordGradients }, value, owned: false);
    }

    /// <inheritdoc />
    public Var Param(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var v = Record(new Node { Op = OpKind.Param, Extra = parameter, NeedsGrad = RecordGradients && parameter.Trainable }, parameter.Value, owned: false);
        if (_nodes[v.Id].NeedsGrad)
        {
            _grads[v.Id] = GradientBuffers is null
                ? parameter.Grad
                : GradientBuffers.TryGetValue(parameter, out var own) ? own
                : throw new InvalidOperationException($"Parameter '{parameter.Name}' has no gradient buffer on this tape (it is not among the parameters being trained).");
        }

        return v;
    }

    /// <summary>
    /// Back-propagates from a scalar <paramref name="loss"/>: parameters' <see cref="Parameter.Grad"/> are
    /// increased by d loss / d parameter (call <see cref="Parameter.ZeroGrad"/> first to start from zero).
    /// Every other gradient (<see cref="Gradient"/>) is that of this call alone, also when the tape has
    /// already been differentiated from another loss.
    /// </summary>
    /// <param name="loss">A value with exactly one element.</param>
    /// <param name="seed">The gradient of the final objective with respect to <paramref name="loss"/>.</param>
    public void Backward(Var loss, float seed = 1f)
    {
        int id = Check(loss);
        if (!RecordGradients)
        {
            throw new InvalidOperationException("Backward needs a tape with RecordGradients = true.");
        }

        if (_values[id].Length != 1)
        {
            throw new ArgumentException($"Backward starts from a scalar; the value has shape [{string.Join(", ", _values[id].ShapeArray())}].", nameof(loss));
        }

        // Intermediate gradients of an earlier Backward call on this tape are dropped first: left in place they
        // were propagated a second time (adding the earlier loss's gradient to the parameters again) and
        // reported by Gradient() summed with this call's.
        ReleaseGradients();
        if (!_nodes[id].NeedsGrad)
        {
            return;
        }

        GradBuffer(id).Span[0] += seed;
        for (int i = id; i >= 0; i--)
        {
            var g = _grads[i];
            if (g is null || !_nodes[i].NeedsGrad)
            {
                continue;
            }

            BackwardNode(i, g);
        }
    }

    private int Check(Var x)
    {
        if ((uint)x.Id >= (uint)_nodes.Count)
        {
            throw new ArgumentException($"Var {x.Id} does not belong to this tape (it has {_nodes.Count} values; was it recorded before a Reset?).", nameof(x));
        }

        return x.Id;
    }

    private Var Record(Node node, Tensor value, bool owned)
    {
        node.Owned = owned;
        _nodes.Add(node);
        _values.Add(value);
        _grads.Add(null);
        return new Var(_nodes.Count - 1);
    }

    /// <summary>Returns every gradient buffer the tape owns to the pool (parameters' own Grad tensors are kept).</summary>
    private void ReleaseGradients()
    {
        for (int i = 0; i < _nodes.Count; i++)
        {
            if (_nodes[i].OwnsGrad && _grads[i] is { } g)
            {
                _pool.Return(g);
                _grads[i] = null;
                var n = _nodes[i];
                n.OwnsGrad = false;
                _nodes[i] = n;
            }
            else if (_nodes[i].SharesGrad)
            {
                _grads[i] = null;
                var n = _nodes[i];
                n.SharesGrad = false;
                _nodes[i] = n;
            }
        }
    }

    private Tensor Rent(ReadOnlySpan<int> shape) => _pool.Rent(shape, clear: false);

    private Tensor RentZeroed(ReadOnlySpan<int> shape) => _pool.Rent(shape, clear: true);

    /// <summary>The gradient buffer of node <paramref name="id"/>, created zero-filled on first use.</summary>
    private Tensor GradBuffer(int id) => _grads[id] ?? CreateGradient(id, zeroFilled: true);

    /// <summary>
    /// The gradient buffer of node <paramref name="id"/> for an op that can write a whole gradient instead of adding
    /// to it: when no gradient has reached the node yet, a buffer is rented without zero-filling and
    /// <paramref name="overwrite"/> is true, and the caller must write every element; otherwise the existing buffer
    /// is returned and the caller adds as usual. Skipping the zero-fill and the read-modify-write saves a pass over
    /// every activation-sized gradient.
    /// </summary>
    private Tensor GradForWrite(int id, out bool overwrite)
    {
        var g = _grads[id];
        overwrite = g is null;
        return g ?? CreateGradient(id, zeroFilled: false);
    }

    /// <summary>Rents node <paramref name="id"/>'s gradient buffer and records that the tape owns it.</summary>
    private Tensor CreateGradient(int id, bool zeroFilled)
    {
        var g = zeroFilled ? RentZeroed(_values[id].Shape) : Rent(_values[id].Shape);
        _grads[id] = g;
        var n = _nodes[id];
        n.OwnsGrad = true;
        _nodes[id] = n;
        return g;
    }

    private bool Needs(int id) => id >= 0 && _nodes[id].NeedsGrad;

    private bool AnyNeeds(int a, int b = -1, int c = -1) => RecordGradients && (Needs(a) || Needs(b) || Needs(c));

    private static void AddInto(Tensor dst, ReadOnlySpan<float> src) => TensorPrimitives.Add(dst.Span, src, dst.Span);

    private enum OpKind : byte
    {
        Constant,
        Param,
        MatMul,
        Linear,
        GroupedLinear,
        Binary,
        AddScalar,
        MultiplyScalar,
        Unary,
        Clamp,
        Sum,
        Mean,
        Max,
        SumAll,
        MeanAll,
        LogSumExp,
        Softmax,
        LogSoftmax,
        Reshape,
        Transpose,
        Slice,
        Concat,
        Gather,
        StopGradient,
        NoGradient,
        Where,
        PickLast,
        MixtureLogLikelihood,
        External,
    }

    private struct Node
    {
        public OpKind Op;
        public int A;
        public int B;
        public int C;
        public int I0;
        public int I1;
        public float F0;
        public float F1;
        public object? Extra;
        public bool NeedsGrad;
        public bool Owned;
        public bool OwnsGrad;

        /// <summary>The gradient is a view of another node's buffer (a reshape passes its gradient on unchanged).</summary>
        public bool SharesGrad;

        public Node(OpKind op, int a, int b = -1, int c = -1)
        {
            Op = op;
            A = a;
            B = b;
            C = c;
        }
    }
}
