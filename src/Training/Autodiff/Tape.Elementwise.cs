using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;
using static MLNetMixture.Training.Compute.BroadcastKernels;

namespace MLNetMixture.Training.Autodiff;

/// <content>Element-wise operations: broadcasting arithmetic, activations, clamps.</content>
public sealed partial class Tape
{
    private enum UnaryKind
    {
        Negate,
        Exp,
        Log,
        Tanh,
        Sigmoid,
        Relu,
        Softplus,
        Elu,
        Gelu,
        Square,
        Sqrt,
        Abs,
        Reciprocal,
    }

    /// <inheritdoc />
    public Var Add(Var a, Var b) => Binary(BinaryOp.Add, a, b);

    /// <inheritdoc />
    public Var Subtract(Var a, Var b) => Binary(BinaryOp.Subtract, a, b);

    /// <inheritdoc />
    public Var Multiply(Var a, Var b) => Binary(BinaryOp.Multiply, a, b);

    /// <inheritdoc />
    public Var Divide(Var a, Var b) => Binary(BinaryOp.Divide, a, b);

    /// <inheritdoc />
    public Var AddScalar(Var x, float c)
    {
        var xv = Value(x);
        var y = Rent(xv.Shape);
        TensorPrimitives.Add(xv.Span, c, y.Span);
        return Record(new Node(OpKind.AddScalar, x.Id) { F0 = c, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var MultiplyScalar(Var x, float c)
    {
        var xv = Value(x);
        var y = Rent(xv.Shape);
        TensorPrimitives.Multiply(xv.Span, c, y.Span);
        return Record(new Node(OpKind.MultiplyScalar, x.Id) { F0 = c, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Negate(Var x) => Unary(UnaryKind.Negate, x);

    /// <inheritdoc />
    public Var Exp(Var x) => Unary(UnaryKind.Exp, x);

    /// <inheritdoc />
    public Var Log(Var x) => Unary(UnaryKind.Log, x);

    /// <inheritdoc />
    public Var Tanh(Var x) => Unary(UnaryKind.Tanh, x);

    /// <inheritdoc />
    public Var Sigmoid(Var x) => Unary(UnaryKind.Sigmoid, x);

    /// <inheritdoc />
    public Var Relu(Var x) => Unary(UnaryKind.Relu, x);

    /// <inheritdoc />
    public Var Softplus(Var x) => Unary(UnaryKind.Softplus, x);

    /// <inheritdoc />
    public Var Elu(Var x, float alpha = 1f) => Unary(UnaryKind.Elu, x, alpha);

    /// <inheritdoc />
    public Var Gelu(Var x) => Unary(UnaryKind.Gelu, x);

    /// <inheritdoc />
    public Var Square(Var x) => Unary(UnaryKind.Square, x);

    /// <inheritdoc />
    public Var Sqrt(Var x) => Unary(UnaryKind.Sqrt, x);

    /// <inheritdoc />
    public Var Abs(Var x) => Unary(UnaryKind.Abs, x);

    /// <inheritdoc />
    public Var Reciprocal(Var x) => Unary(UnaryKind.Reciprocal, x);

    /// <inheritdoc />
    public Var Clamp(Var x, float min, float max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp needs min <= max; got [{min}, {max}].", nameof(min));
        }

        var xv = Value(x);
        var y = Rent(xv.Shape);
        TensorPrimitives.Max(xv.Span, min, y.Span);
        TensorPrimitives.Min(y.Span, max, y.Span);
        return Record(new Node(OpKind.Clamp, x.Id) { F0 = min, F1 = max, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Where(Var mask, Var a, Var b)
    {
        var mv = Value(mask);
        var av = Value(a);
        var bv = Value(b);
        var shape = BroadcastShape(BroadcastShape(mv.Shape, av.Shape), bv.Shape);
        var y = Rent(shape);
        var m = Rent(shape);
        var tmp = Rent(shape);
        try
        {
            Expand(mv.Span, mv.Shape, m.Span, shape);
            Expand(bv.Span, bv.Shape, y.Span, shape);
            Expand(av.Span, av.Shape, tmp.Span, shape);
            var ys = y.Span;
            var ms = m.Span;
            var ts = tmp.Span;
            for (int i = 0; i < ys.Length; i++)
            {
                if (ms[i] != 0f)
                {
                    ys[i] = ts[i];
                }
            }
        }
        finally
        {
            _pool.Return(m);
            _pool.Return(tmp);
        }

        return Record(new Node(OpKind.Where, mask.Id, a.Id, b.Id) { NeedsGrad = AnyNeeds(a.Id, b.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Step(Var x)
    {
        var xv = Value(x);
        var y = Rent(xv.Shape);
        var xs = xv.Span;
        var ys = y.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            ys[i] = xs[i] >= 0f ? 1f : 0f;
        }

        return Record(new Node(OpKind.NoGradient, x.Id), y, owned: true);
    }

    /// <inheritdoc />
    public Var OneHotArgMax(Var x)
    {
        var xv = Value(x);
        var y = RentZeroed(xv.Shape);
        int n = xv.Shape[^1];
        int rows = n == 0 ? 0 : xv.Length / n;
        for (int r = 0; r < rows; r++)
        {
            int k = FirstIndexOfMax(xv.Span.Slice(r * n, n));
            y.Span[(r * n) + k] = 1f;
        }

        return Record(new Node(OpKind.NoGradient, x.Id), y, owned: true);
    }

    /// <summary>
    /// A per-row scalar function computed outside the tape (e.g. an unnormalised target log-density):
    /// returns <paramref name="values"/> [N] and back-propagates through the supplied per-row gradients
    /// <paramref name="gradients"/> [N, D] with respect to <paramref name="x"/> [N, D]. Training only; not exportable.
    /// Both tensors are copied, so the caller may reuse them at once.
    /// </summary>
    public Var External(Var x, Tensor values, Tensor gradients)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(gradients);
        var xv = Value(x);
        if (xv.Rank != 2 || values.Length != xv.Rows || gradients.Length != xv.Length)
        {
            throw new ArgumentException($"External expects x [N, D], values [N] and gradients [N, D]; got x [{string.Join(", ", xv.ShapeArray())}], {values.Length} values, {gradients.Length} gradient entries.");
        }

        var y = Rent([xv.Rows]);
        values.Span.CopyTo(y.Span);

        // The gradients are copied like the values: keeping the caller's tensor made Backward use whatever it held
        // by then (a scratch buffer reused for a second External call silently replaced the first call's gradients).
        bool needs = AnyNeeds(x.Id);
        Tensor? kept = null;
        if (needs)
        {
            kept = Rent(xv.Shape);
            gradients.Span.CopyTo(kept.Span);
        }

        return Record(new Node(OpKind.External, x.Id) { Extra = kept, NeedsGrad = needs }, y, owned: true);
    }

    private Var Binary(BinaryOp op, Var a, Var b)
    {
        var av = Value(a);
        var bv = Value(b);
        var shape = BroadcastShape(av.Shape, bv.Shape);
        var y = Rent(shape);
        BroadcastKernels.Binary(op, av.Span, av.Shape, bv.Span, bv.Shape, y.Span, shape);
        return Record(new Node(OpKind.Binary, a.Id, b.Id) { I0 = (int)op, NeedsGrad = AnyNeeds(a.Id, b.Id) }, y, owned: true);
    }

    private Var Unary(UnaryKind kind, Var x, float p = 0f)
    {
        var xv = Value(x);
        var y = Rent(xv.Shape);
        var xs = xv.Span;
        var ys = y.Span;
        switch (kind)
        {
            case UnaryKind.Negate: TensorPrimitives.Negate(xs, ys); break;
            case UnaryKind.Exp: TensorPrimitives.Exp(xs, ys); break;
            case UnaryKind.Log: TensorPrimitives.Log(xs, ys); break;
            case UnaryKind.Tanh: TensorPrimitives.Tanh(xs, ys); break;
            case UnaryKind.Sigmoid:
                for (int i = 0; i < xs.Length; i++)
                {
                    ys[i] = ScalarMath.Sigmoid(xs[i]);
                }

                break;
            case UnaryKind.Relu: TensorPrimitives.Max(xs, 0f, ys); break;
            case UnaryKind.Softplus:
                for (int i = 0; i < xs.Length; i++)
                {
                    ys[i] = ScalarMath.Softplus(xs[i]);
                }

                break;
            case UnaryKind.Elu:
                for (int i = 0; i < xs.Length; i++)
                {
                    float v = xs[i];
                    ys[i] = v > 0f ? v : p * (MathF.Exp(v) - 1f);
                }

                break;
            case UnaryKind.Gelu:
                for (int i = 0; i < xs.Length; i++)
                {
                    float v = xs[i];
                    ys[i] = 0.5f * v * (1f + ScalarMath.Erf(v * 0.70710678f));
                }

                break;
            case UnaryKind.Square: TensorPrimitives.Multiply(xs, xs, ys); break;
            case UnaryKind.Sqrt: TensorPrimitives.Sqrt(xs, ys); break;
            case UnaryKind.Abs: TensorPrimitives.Abs(xs, ys); break;
            case UnaryKind.Reciprocal: TensorPrimitives.Reciprocal(xs, ys); break;
            default: throw new InvalidOperationException($"Unknown unary op {kind}.");
        }

        return Record(new Node(OpKind.Unary, x.Id) { I0 = (int)kind, F0 = p, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    private void BackwardBinary(in Node n, Tensor g, Tensor y)
    {
        var op = (BinaryOp)n.I0;
        var av = _values[n.A];
        var bv = _values[n.B];
        var gs = g.Span;
        if (Needs(n.A))
        {
            var ga = GradBuffer(n.A);
            if (op is BinaryOp.Add or BinaryOp.Subtract)
            {
                AccumulateReduced(gs, y.Shape, ga.Span, av.Shape);
            }
            else
            {
                var t = Rent(y.Shape);
                // d(a*b)/da = b ; d(a/b)/da = 1/b
                BroadcastKernels.Binary(op, gs, y.Shape, bv.Span, bv.Shape, t.Span, y.Shape);
                AccumulateReduced(t.Span, y.Shape, ga.Span, av.Shape);
                _pool.Return(t);
            }
        }

        if (Needs(n.B))
        {
            var gb = GradBuffer(n.B);
            switch (op)
            {
                case BinaryOp.Add:
                    AccumulateReduced(gs, y.Shape, gb.Span, bv.Shape);
                    break;
                case BinaryOp.Subtract:
                    {
                        var t = Rent(y.Shape);
                        TensorPrimitives.Negate(gs, t.Span);
                        AccumulateReduced(t.Span, y.Shape, gb.Span, bv.Shape);
                        _pool.Return(t);
                        break;
                    }

                case BinaryOp.Multiply:
                    {
                        var t = Rent(y.Shape);
                        BroadcastKernels.Binary(BinaryOp.Multiply, gs, y.Shape, av.Span, av.Shape, t.Span, y.Shape);
                        AccumulateReduced(t.Span, y.Shape, gb.Span, bv.Shape);
                        _pool.Return(t);
                        break;
                    }

                default:
                    {
                        // d(a/b)/db = -y / b
                        var t = Rent(y.Shape);
                        TensorPrimitives.Multiply(gs, y.Span, t.Span);
                        BroadcastKernels.Binary(BinaryOp.Divide, t.Span, y.Shape, bv.Span, bv.Shape, t.Span, y.Shape);
                        TensorPrimitives.Negate(t.Span, t.Span);
                        AccumulateReduced(t.Span, y.Shape, gb.Span, bv.Shape);
                        _pool.Return(t);
                        break;
                    }
            }
        }
    }

    private void BackwardUnary(in Node n, Tensor g, Tensor y)
    {
        var kind = (UnaryKind)n.I0;
        var xs = _values[n.A].Span;
        var ys = y.Span;
        var gs = g.Span;
        var ga = GradForWrite(n.A, out bool overwrite).Span;
        switch (kind)
        {
            case UnaryKind.Negate when overwrite: TensorPrimitives.Negate(gs, ga); return;
            case UnaryKind.Negate: TensorPrimitives.Subtract(ga, gs, ga); return;
            case UnaryKind.Relu when overwrite: MaskedAccumulation.SelectWherePositive(xs, gs, ga); return;
            case UnaryKind.Relu: MaskedAccumulation.AddWherePositive(xs, gs, ga); return;
        }

        var d = Rent(y.Shape);
        var ds = d.Span;
        switch (kind)
        {
            case UnaryKind.Exp: ys.CopyTo(ds); break;
            case UnaryKind.Log: TensorPrimitives.Reciprocal(xs, ds); break;
            case UnaryKind.Tanh:
                TensorPrimitives.Multiply(ys, ys, ds);
                TensorPrimitives.Subtract(1f, ds, ds);
                break;
            case UnaryKind.Sigmoid:
                TensorPrimitives.Subtract(1f, ys, ds);
                TensorPrimitives.Multiply(ds, ys, ds);
                break;
            case UnaryKind.Softplus:
                for (int i = 0; i < xs.Length; i++)
                {
                    ds[i] = ScalarMath.Sigmoid(xs[i]);
                }

                break;
            case UnaryKind.Elu:
                for (int i = 0; i < xs.Length; i++)
                {
                    ds[i] = xs[i] > 0f ? 1f : ys[i] + n.F0;
                }

                break;
            case UnaryKind.Gelu:
                for (int i = 0; i < xs.Length; i++)
                {
                    float v = xs[i];
                    float cdf = 0.5f * (1f + ScalarMath.Erf(v * 0.70710678f));
                    float pdf = 0.39894228f * MathF.Exp(-0.5f * v * v);
                    ds[i] = cdf + (v * pdf);
                }

                break;
            case UnaryKind.Square: TensorPrimitives.Multiply(xs, 2f, ds); break;
            case UnaryKind.Sqrt:
                TensorPrimitives.Multiply(ys, 2f, ds);
                TensorPrimitives.Reciprocal(ds, ds);
                break;
            case UnaryKind.Abs:
                for (int i = 0; i < xs.Length; i++)
                {
                    ds[i] = xs[i] > 0f ? 1f : (xs[i] < 0f ? -1f : 0f);
                }

                break;
            case UnaryKind.Reciprocal:
                TensorPrimitives.Multiply(ys, ys, ds);
                TensorPrimitives.Negate(ds, ds);
                break;
            default: throw new InvalidOperationException($"Unknown unary op {kind}.");
        }

        if (overwrite)
        {
            TensorPrimitives.Multiply(gs, ds, ga);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(gs, ds, ga, ga);
        }

        _pool.Return(d);
    }

    private void BackwardWhere(in Node n, Tensor g, Tensor y)
    {
        var mv = _values[n.A];
        var m = Rent(y.Shape);
        var t = Rent(y.Shape);
        Expand(mv.Span, mv.Shape, m.Span, y.Shape);
        var ms = m.Span;
        var gs = g.Span;
        var ts = t.Span;
        if (Needs(n.B))
        {
            for (int i = 0; i < ts.Length; i++)
            {
                ts[i] = ms[i] != 0f ? gs[i] : 0f;
            }

            AccumulateReduced(ts, y.Shape, GradBuffer(n.B).Span, _values[n.B].Shape);
        }

        if (Needs(n.C))
        {
            for (int i = 0; i < ts.Length; i++)
            {
                ts[i] = ms[i] != 0f ? 0f : gs[i];
            }

            AccumulateReduced(ts, y.Shape, GradBuffer(n.C).Span, _values[n.C].Shape);
        }

        _pool.Return(m);
        _pool.Return(t);
    }
}
