using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Buffers;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <content>Reductions and the softmax family.</content>
public sealed partial class Tape
{
    /// <inheritdoc />
    public Var Sum(Var x, int axis, bool keepDims = false) => Reduce(OpKind.Sum, x, axis, keepDims);

    /// <inheritdoc />
    public Var Mean(Var x, int axis, bool keepDims = false) => Reduce(OpKind.Mean, x, axis, keepDims);

    /// <inheritdoc />
    public Var Max(Var x, int axis, bool keepDims = false) => Reduce(OpKind.Max, x, axis, keepDims);

    /// <inheritdoc />
    public Var LogSumExp(Var x, int axis = -1, bool keepDims = false) => Reduce(OpKind.LogSumExp, x, axis, keepDims);

    /// <inheritdoc />
    public Var SumAll(Var x)
    {
        var xv = Value(x);
        var y = Rent([]);
        y.Span[0] = TensorPrimitives.Sum(xv.Span);
        return Record(new Node(OpKind.SumAll, x.Id) { NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var MeanAll(Var x)
    {
        var xv = Value(x);
        if (xv.Length == 0)
        {
            throw new ArgumentException("MeanAll of an empty tensor is undefined.", nameof(x));
        }

        var y = Rent([]);
        y.Span[0] = TensorPrimitives.Sum(xv.Span) / xv.Length;
        return Record(new Node(OpKind.MeanAll, x.Id) { NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Softmax(Var x)
    {
        var xv = Value(x);
        int n = LastDim(xv);
        var y = Rent(xv.Shape);
        RowKernels.Softmax(xv.Span, n == 0 ? 0 : xv.Length / n, n, y.Span);
        return Record(new Node(OpKind.Softmax, x.Id) { NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var LogSoftmax(Var x)
    {
        var xv = Value(x);
        int n = LastDim(xv);
        var y = Rent(xv.Shape);
        RowKernels.LogSoftmax(xv.Span, n == 0 ? 0 : xv.Length / n, n, y.Span);
        return Record(new Node(OpKind.LogSoftmax, x.Id) { NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <summary>
    /// For x [N, ..., C] and one label per leading row, picks x[n, ..., labels[n]] giving [N, ...]. Training
    /// losses only (the negative log-likelihood of the observed class); not part of exported graphs.
    /// </summary>
    public Var PickLast(Var x, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var xv = Value(x);
        if (xv.Rank < 2 || xv.Shape[0] != labels.Length)
        {
            throw new ArgumentException($"PickLast expects x [N, ..., C] with N = {labels.Length} labels; got [{string.Join(", ", xv.ShapeArray())}].");
        }

        int c = xv.Shape[^1];
        int inner = xv.Length / xv.Shape[0] / c;
        var y = Rent(xv.Shape[..^1]);
        for (int r = 0; r < labels.Length; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)c)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {label} at row {r} is outside [0, {c}).");
            }

            for (int j = 0; j < inner; j++)
            {
                y.Span[(r * inner) + j] = xv.Span[(((r * inner) + j) * c) + label];
            }
        }

        // Copied (as Gather copies its indices): Backward must see the labels of this call even if the caller
        // refills its label buffer with the next batch before differentiating.
        return Record(new Node(OpKind.PickLast, x.Id) { Extra = labels.Clone(), NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <summary>
    /// The index of the first element that no later element exceeds (comparison with &gt;): -0 and +0 tie, and a
    /// NaN wins only in first place. Both paths of Max and OneHotArgMax use this rule, which is ONNX Runtime's
    /// for ArgMax/ReduceMax, so exported graphs pick the same element; TensorPrimitives.IndexOfMax differs (+0
    /// beats -0 and any NaN wins).
    /// </summary>
    /// <summary>
    /// The log-likelihood of a mixture of classifiers, <c>log p(y|x) = log sum_k p(z=k|x) p(y|x,z=k)</c> [N], from gate
    /// log-probabilities [N, K] (or any log-weights: log 0 = -infinity drops an expert) and expert class logits
    /// [N, K, C], normalised here, for one label per row. Equals
    /// <c>LogSumExp(Add(gateLogProbabilities, PickLast(LogSoftmax(expertLogits), labels)), -1)</c> to float32 rounding,
    /// in one pass over the logits that stores no expert log-probabilities. Training only; not exportable.
    /// </summary>
    /// <param name="gateLogProbabilities">log p(z=k|x), [N, K].</param>
    /// <param name="expertLogits">Expert class scores [N, K, C].</param>
    /// <param name="labels">One class index in [0, C) per row; copied, so the caller may refill it at once.</param>
    public Var MixtureLogLikelihood(Var gateLogProbabilities, Var expertLogits, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var gv = Value(gateLogProbabilities);
        var ev = Value(expertLogits);
        if (gv.Rank != 2 || ev.Rank != 3 || ev.Shape[0] != gv.Shape[0] || ev.Shape[1] != gv.Shape[1] || labels.Length != gv.Shape[0] || ev.Shape[2] == 0)
        {
            throw new ArgumentException($"MixtureLogLikelihood expects gate log-probabilities [N, K], expert logits [N, K, C] and N labels; got [{string.Join(", ", gv.ShapeArray())}], [{string.Join(", ", ev.ShapeArray())}] and {labels.Length} labels.");
        }

        int rows = ev.Shape[0], experts = ev.Shape[1], classes = ev.Shape[2], cells = rows * experts;
        for (int r = 0; r < rows; r++)
        {
            if ((uint)labels[r] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[r]} at row {r} is outside [0, {classes}).");
            }
        }

        // Kept for Backward in one pooled buffer: what the kernel keeps, then the labels' bits [N].
        int kept = MixtureLikelihoodKernels.SavedLength(rows, experts, classes);
        var y = Rent([rows]);
        var saved = Rent([kept + rows]);
        var s = saved.Span;
        labels.CopyTo(MemoryMarshal.Cast<float, int>(s.Slice(kept, rows)));
        MixtureLikelihoodKernels.Forward(gv.Span, ev.Span, labels, experts, classes, y.Span, s[..kept]);
        return Record(new Node(OpKind.MixtureLogLikelihood, gateLogProbabilities.Id, expertLogits.Id) { Extra = saved, NeedsGrad = AnyNeeds(gateLogProbabilities.Id, expertLogits.Id) }, y, owned: true);
    }

    internal static int FirstIndexOfMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++)
        {
            if (row[j] > row[best])
            {
                best = j;
            }
        }

        return best;
    }

    private static int LastDim(Tensor t) => t.Rank == 0 ? throw new ArgumentException("The softmax family needs at least one axis.") : t.Shape[^1];

    private static (int Outer, int N, int Inner) AxisSplit(ReadOnlySpan<int> shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (int i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[axis], inner);
    }

    private Var Reduce(OpKind op, Var x, int axis, bool keepDims)
    {
        var xv = Value(x);
        int ax = Tensor.NormalizeAxis(axis, xv.Rank);
        var (outer, n, inner) = AxisSplit(xv.Shape, ax);
        if (n == 0 && op is OpKind.Max or OpKind.Mean)
        {
            throw new ArgumentException($"{op} over an empty axis is undefined.", nameof(x));
        }

        var shape = xv.ShapeArray().ToList();
        if (keepDims)
        {
            shape[ax] = 1;
        }
        else
        {
            shape.RemoveAt(ax);
        }

        var y = Rent(shape.ToArray());
        var xs = xv.Span;
        var ys = y.Span;
        int[]? argmax = op == OpKind.Max ? new int[outer * inner] : null;
        if (inner > 1 && op != OpKind.Max)
        {
            ReduceStrided(op, xs, outer, n, inner, ys);
            return Record(new Node(op, x.Id) { I0 = ax, Extra = argmax, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
        }

        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                var row = xs.Slice(o * n, n);
                ys[o] = op switch
                {
                    OpKind.Sum => TensorPrimitives.Sum(row),
                    OpKind.Mean => TensorPrimitives.Sum(row) / n,
                    OpKind.Max => row[argmax![o] = FirstIndexOfMax(row)],
                    _ => RowKernels.RowLogSumExp(row),
                };
                continue;
            }

            for (int i = 0; i < inner; i++)
            {
                int baseIdx = (o * n * inner) + i;
                float acc;
                switch (op)
                {
                    case OpKind.Sum:
                    case OpKind.Mean:
                        acc = 0f;
                        for (int j = 0; j < n; j++)
                        {
                            acc += xs[baseIdx + (j * inner)];
                        }

                        ys[(o * inner) + i] = op == OpKind.Mean ? acc / n : acc;
                        break;
                    case OpKind.Max:
                        {
                            int best = 0;
                            for (int j = 1; j < n; j++)
                            {
                                if (xs[baseIdx + (j * inner)] > xs[baseIdx + (best * inner)])
                                {
                                    best = j;
                                }
                            }

                            argmax![(o * inner) + i] = best;
                            ys[(o * inner) + i] = xs[baseIdx + (best * inner)];
                            break;
                        }

                    default:
                        {
                            float max = float.NegativeInfinity;
                            for (int j = 0; j < n; j++)
                            {
                                max = MathF.Max(max, xs[baseIdx + (j * inner)]);
                            }

                            if (float.IsInfinity(max))
                            {
                                ys[(o * inner) + i] = max;
                                break;
                            }

                            acc = 0f;
                            for (int j = 0; j < n; j++)
                            {
                                acc += MathF.Exp(xs[baseIdx + (j * inner)] - max);
                            }

                            ys[(o * inner) + i] = max + MathF.Log(acc);
                            break;
                        }
                }
            }
        }

        return Record(new Node(op, x.Id) { I0 = ax, Extra = argmax, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <summary>
    /// Sum, mean or log-sum-exp over the middle axis of [outer, n, inner] blocks with inner &gt; 1: each reduction
    /// runs over whole inner rows at once (vectorised) instead of one strided column at a time, adding the n rows in
    /// the same order as the scalar loop.
    /// </summary>
    private static void ReduceStrided(OpKind op, ReadOnlySpan<float> xs, int outer, int n, int inner, Span<float> ys)
    {
        for (int o = 0; o < outer; o++)
        {
            var block = xs.Slice(o * n * inner, n * inner);
            var result = ys.Slice(o * inner, inner);
            if (op == OpKind.LogSumExp)
            {
                LogSumExpColumns(block, n, inner, result);
                continue;
            }

            result.Clear();
            for (int j = 0; j < n; j++)
            {
                TensorPrimitives.Add(result, block.Slice(j * inner, inner), result);
            }

            if (op == OpKind.Mean)
            {
                TensorPrimitives.Divide(result, n, result);
            }
        }
    }

    /// <summary>
    /// result[i] = log sum_j exp(block[j, i]) for a [n, inner] block, eight columns at a time (the exp of column i
    /// over j is strided by inner, so the vector runs across columns), the rest one column at a time.
    /// </summary>
    private static void LogSumExpColumns(ReadOnlySpan<float> block, int n, int inner, Span<float> result)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float x = ref MemoryMarshal.GetReference(block);
            ref float r = ref MemoryMarshal.GetReference(result);
            var infinity = Vector256.Create(float.PositiveInfinity);
            for (; i <= inner - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var max = Vector256.Create(float.NegativeInfinity);
                for (int j = 0; j < n; j++)
                {
                    max = Vector256.Max(max, Vector256.LoadUnsafe(ref x, (nuint)((j * inner) + i)));
                }

                var sum = Vector256<float>.Zero;
                for (int j = 0; j < n; j++)
                {
                    sum += Vector256.Exp(Vector256.LoadUnsafe(ref x, (nuint)((j * inner) + i)) - max);
                }

                // All -inf, or a +inf entry: the maximum itself (the arithmetic would give NaN).
                var value = Vector256.ConditionalSelect(Vector256.Equals(Vector256.Abs(max), infinity), max, max + Vector256.Log(sum));
                value.StoreUnsafe(ref r, (nuint)i);
            }
        }

        for (; i < inner; i++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                max = MathF.Max(max, block[(j * inner) + i]);
            }

            if (float.IsInfinity(max))
            {
                result[i] = max;
                continue;
            }

            float sum = 0f;
            for (int j = 0; j < n; j++)
            {
                sum += MathF.Exp(block[(j * inner) + i] - max);
            }

            result[i] = max + MathF.Log(sum);
        }
    }

    private void BackwardReduce(in Node n, Tensor g, Tensor y)
    {
        var xv = _values[n.A];
        var (outer, len, inner) = AxisSplit(xv.Shape, n.I0);
        var ga = GradBuffer(n.A).Span;
        var gs = g.Span;
        var xs = xv.Span;
        var ys = y.Span;
        if (n.Op == OpKind.LogSumExp && BackwardLogSumExpVectorized(xs, ys, gs, outer, len, inner, ga))
        {
            return;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int oi = (o * inner) + i;
                int baseIdx = (o * len * inner) + i;
                float go = gs[oi];
                switch (n.Op)
                {
                    case OpKind.Sum:
                    case OpKind.Mean:
                        {
                            float v = n.Op == OpKind.Mean ? go / len : go;
                            for (int j = 0; j < len; j++)
                            {
                                ga[baseIdx + (j * inner)] += v;
                            }

                            break;
                        }

                    case OpKind.Max:
                        ga[baseIdx + (((int[])n.Extra!)[oi] * inner)] += go;
                        break;
                    default:
                        {
                            float lse = ys[oi];
                            if (float.IsNegativeInfinity(lse))
                            {
                                break;
                            }

                            for (int j = 0; j < len; j++)
                            {
                                int idx = baseIdx + (j * inner);
                                ga[idx] += go * MathF.Exp(xs[idx] - lse);
                            }

                            break;
                        }
                }
            }
        }
    }

    /// <summary>
    /// dx += g * exp(x - y) over whole rows (inner &gt; 1: the inner row of each reduced index; inner = 1: each
    /// reduced row), vectorised. Returns false, leaving the gradient untouched, when some log-sum-exp is -inf (a
    /// reduction over all -inf, whose gradient the scalar loop skips).
    /// </summary>
    private static bool BackwardLogSumExpVectorized(ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, ReadOnlySpan<float> gs, int outer, int len, int inner, Span<float> ga)
    {
        if (ys.IndexOf(float.NegativeInfinity) >= 0)
        {
            return false;
        }

        int width = inner == 1 ? len : inner;
        float[] rented = ArrayPool<float>.Shared.Rent(width);
        try
        {
            var term = rented.AsSpan(0, width);
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    var row = xs.Slice(o * len, len);
                    var dst = ga.Slice(o * len, len);
                    TensorPrimitives.Subtract(row, ys[o], term);
                    TensorPrimitives.Exp(term, term);
                    TensorPrimitives.MultiplyAdd(term, gs[o], dst, dst);
                    continue;
                }

                var lse = ys.Slice(o * inner, inner);
                var go = gs.Slice(o * inner, inner);
                for (int j = 0; j < len; j++)
                {
                    int at = ((o * len) + j) * inner;
                    var dst = ga.Slice(at, inner);
                    TensorPrimitives.Subtract(xs.Slice(at, inner), lse, term);
                    TensorPrimitives.Exp(term, term);
                    TensorPrimitives.MultiplyAdd(term, go, dst, dst);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return true;
    }

    private void BackwardSoftmax(in Node n, Tensor g, Tensor y)
    {
        int c = y.Shape[^1];
        int rows = c == 0 ? 0 : y.Length / c;
        var ga = GradBuffer(n.A).Span;
        var gs = g.Span;
        var ys = y.Span;
        if (n.Op == OpKind.LogSoftmax)
        {
            // dx = g - softmax * sum(g), with softmax = exp(y) of the whole block in one call (rows are short).
            var p = Rent(y.Shape);
            var ps = p.Span;
            NonPositiveExponential.Compute(ys, ps); // log-probabilities are <= 0
            for (int r = 0; r < rows; r++)
            {
                var gr = gs.Slice(r * c, c);
                var pr = ps.Slice(r * c, c);
                TensorPrimitives.MultiplyAdd(pr, -TensorPrimitives.Sum(gr), gr, pr);
            }

            TensorPrimitives.Add(ga, ps, ga);
            _pool.Return(p);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            // dx = y * (g - sum(g * y))
            var gr = gs.Slice(r * c, c);
            var yr = ys.Slice(r * c, c);
            var dr = ga.Slice(r * c, c);
            float dot = TensorPrimitives.Dot(gr, yr);
            for (int j = 0; j < c; j++)
            {
                dr[j] += yr[j] * (gr[j] - dot);
            }
        }
    }

    private void BackwardMixtureLogLikelihood(in Node n, Tensor g)
    {
        var ev = _values[n.B];
        int rows = ev.Shape[0], experts = ev.Shape[1], classes = ev.Shape[2];
        int kept = MixtureLikelihoodKernels.SavedLength(rows, experts, classes);
        var s = ((Tensor)n.Extra!).Span;
        var gate = Needs(n.A) ? GradBuffer(n.A).Span : default;
        var logits = default(Span<float>);
        bool overwrite = false;
        if (Needs(n.B))
        {
            logits = GradForWrite(n.B, out overwrite).Span;
        }

        MixtureLikelihoodKernels.Backward(MemoryMarshal.Cast<float, int>(s.Slice(kept, rows)), experts, classes, s[..kept], g.Span, gate, logits, overwrite);
    }

    private void BackwardPickLast(in Node n, Tensor g)
    {
        var labels = (int[])n.Extra!;
        var xv = _values[n.A];
        int c = xv.Shape[^1];
        int inner = xv.Length / xv.Shape[0] / c;
        var ga = GradBuffer(n.A).Span;
        for (int r = 0; r < labels.Length; r++)
        {
            for (int j = 0; j < inner; j++)
            {
                ga[(((r * inner) + j) * c) + labels[r]] += g.Span[(r * inner) + j];
            }
        }
    }
}
