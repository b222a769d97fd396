using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <content>Shape operations and the backward dispatcher.</content>
public sealed partial class Tape
{
    /// <inheritdoc />
    public Var Reshape(Var x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var xv = Value(x);
        var resolved = ResolveReshape(xv.Shape, shape);
        var y = new Tensor(xv.Data, resolved);
        return Record(new Node(OpKind.Reshape, x.Id) { NeedsGrad = AnyNeeds(x.Id) }, y, owned: false);
    }

    /// <inheritdoc />
    public Var Transpose(Var x, params int[] permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        var xv = Value(x);
        CheckPermutation(permutation, xv.Rank);
        var outShape = new int[xv.Rank];
        for (int i = 0; i < outShape.Length; i++)
        {
            outShape[i] = xv.Shape[permutation[i]];
        }

        var y = Rent(outShape);
        Permute(xv.Span, xv.Shape, permutation, y.Span, accumulate: false);
        return Record(new Node(OpKind.Transpose, x.Id) { Extra = permutation.Clone(), NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Slice(Var x, int axis, int start, int end)
    {
        var xv = Value(x);
        int ax = Tensor.NormalizeAxis(axis, xv.Rank);
        int len = xv.Shape[ax];
        if (start < 0 || end > len || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {end}) is outside axis {ax} of length {len}.");
        }

        var shape = xv.ShapeArray();
        shape[ax] = end - start;
        var y = Rent(shape);
        var (outer, n, inner) = AxisSplit(xv.Shape, ax);
        int w = (end - start) * inner;
        for (int o = 0; o < outer; o++)
        {
            xv.Span.Slice((o * n * inner) + (start * inner), w).CopyTo(y.Span.Slice(o * w, w));
        }

        return Record(new Node(OpKind.Slice, x.Id) { I0 = ax, I1 = start, NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Concat(int axis, params Var[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one part.", nameof(parts));
        }

        var first = Value(parts[0]);
        int ax = Tensor.NormalizeAxis(axis, first.Rank);
        var shape = first.ShapeArray();
        int total = 0;
        bool needs = false;
        foreach (var p in parts)
        {
            var pv = Value(p);
            for (int d = 0; d < shape.Length; d++)
            {
                if (pv.Rank != shape.Length || (d != ax && pv.Shape[d] != shape[d]))
                {
                    throw new ArgumentException($"Concat along axis {ax}: part [{string.Join(", ", pv.ShapeArray())}] does not match [{string.Join(", ", shape)}].");
                }
            }

            total += pv.Shape[ax];
            needs |= AnyNeeds(p.Id);
        }

        shape[ax] = total;
        var y = Rent(shape);
        var (outer, _, inner) = AxisSplit(shape, ax);
        int offset = 0;
        foreach (var p in parts)
        {
            var pv = Value(p);
            int w = pv.Shape[ax] * inner;
            for (int o = 0; o < outer; o++)
            {
                pv.Span.Slice(o * w, w).CopyTo(y.Span.Slice((o * total * inner) + offset, w));
            }

            offset += w;
        }

        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            ids[i] = parts[i].Id;
        }

        return Record(new Node(OpKind.Concat, -1) { I0 = ax, Extra = ids, NeedsGrad = needs }, y, owned: true);
    }

    /// <summary>Whether <paramref name="indices"/> are consecutive ascending integers.</summary>
    private static bool IsRun(int[] indices)
    {
        for (int j = 1; j < indices.Length; j++)
        {
            if (indices[j] != indices[0] + j)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public Var Gather(Var x, int axis, params int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var xv = Value(x);
        int ax = Tensor.NormalizeAxis(axis, xv.Rank);
        var (outer, n, inner) = AxisSplit(xv.Shape, ax);
        foreach (int i in indices)
        {
            if ((uint)i >= (uint)n)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather index {i} is outside axis {ax} of length {n}.");
            }
        }

        var shape = xv.ShapeArray();
        shape[ax] = indices.Length;
        var y = Rent(shape);
        var xs = xv.Span;
        var ys = y.Span;
        int m = indices.Length;
        if (inner == 1 && m > 1 && IsRun(indices))
        {
            // A run of consecutive columns (a coupling's halves): one block per row.
            for (int o = 0; o < outer; o++)
            {
                xs.Slice((o * n) + indices[0], m).CopyTo(ys.Slice(o * m, m));
            }
        }
        else if (inner == 1)
        {
            // Column permutations and selections (the flows' commonest gather): one element per index, so copy
            // elements, not one-element spans.
            // The indices were checked against n above, so the loop reads without bounds checks.
            ref float src = ref MemoryMarshal.GetReference(xs);
            ref float dst = ref MemoryMarshal.GetReference(ys);
            ref int index = ref MemoryMarshal.GetArrayDataReference(indices);
            for (int o = 0; o < outer; o++)
            {
                ref float srcRow = ref Unsafe.Add(ref src, o * n);
                ref float dstRow = ref Unsafe.Add(ref dst, o * m);
                for (int j = 0; j < m; j++)
                {
                    Unsafe.Add(ref dstRow, j) = Unsafe.Add(ref srcRow, Unsafe.Add(ref index, j));
                }
            }
        }
        else
        {
            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < m; j++)
                {
                    xs.Slice(((o * n) + indices[j]) * inner, inner).CopyTo(ys.Slice(((o * m) + j) * inner, inner));
                }
            }
        }

        return Record(new Node(OpKind.Gather, x.Id) { I0 = ax, Extra = indices.Clone(), NeedsGrad = AnyNeeds(x.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var StopGradient(Var x)
    {
        var xv = Value(x);
        return Record(new Node(OpKind.StopGradient, x.Id), new Tensor(xv.Data, xv.ShapeArray()), owned: false);
    }

    private static int[] ResolveReshape(ReadOnlySpan<int> from, int[] shape)
    {
        var r = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        int total = Tensor.CheckedLength(from);
        for (int i = 0; i < r.Length; i++)
        {
            if (r[i] == 0)
            {
                r[i] = i < from.Length ? from[i] : throw new ArgumentException($"Reshape dimension {i} is 0 (copy) but the input has rank {from.Length}.");
            }

            if (r[i] == -1)
            {
                infer = infer < 0 ? i : throw new ArgumentException("Reshape allows only one -1 dimension.");
            }
            else
            {
                known *= r[i];
            }
        }

        if (infer >= 0)
        {
            r[infer] = known == 0 ? 0 : (int)(total / known);
        }

        if (Tensor.CheckedLength(r) != total)
        {
            throw new ArgumentException($"Cannot reshape [{string.Join(", ", from.ToArray())}] ({total} elements) to [{string.Join(", ", shape)}].");
        }

        return r;
    }

    private static void CheckPermutation(int[] perm, int rank)
    {
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
        {
            throw new ArgumentException($"[{string.Join(", ", perm)}] is not a permutation of the {rank} axes.");
        }
    }

    /// <summary>dst (shape = src shape permuted) = or += permute(src).</summary>
    private static void Permute(ReadOnlySpan<float> src, ReadOnlySpan<int> srcShape, int[] perm, Span<float> dst, bool accumulate)
    {
        int rank = srcShape.Length;
        Span<int> srcStride = stackalloc int[4];
        Span<int> outDim = stackalloc int[4];
        Span<int> stride = stackalloc int[4];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            srcStride[i] = s;
            s *= srcShape[i];
        }

        // Pad to 4 dims (leading 1s).
        int off = 4 - rank;
        for (int i = 0; i < 4; i++)
        {
            outDim[i] = i < off ? 1 : srcShape[perm[i - off]];
            stride[i] = i < off ? 0 : srcStride[perm[i - off]];
        }

        int d = 0;
        if (stride[3] == 1)
        {
            // The last axis stays last (e.g. [N, K, H] <-> [K, N, H]): move whole contiguous rows.
            int w = outDim[3];
            for (int i0 = 0; i0 < outDim[0]; i0++)
            {
                for (int i1 = 0; i1 < outDim[1]; i1++)
                {
                    for (int i2 = 0; i2 < outDim[2]; i2++, d += w)
                    {
                        var from = src.Slice((i0 * stride[0]) + (i1 * stride[1]) + (i2 * stride[2]), w);
                        var to = dst.Slice(d, w);
                        if (accumulate)
                        {
                            TensorPrimitives.Add(to, from, to);
                        }
                        else
                        {
                            from.CopyTo(to);
                        }
                    }
                }
            }

            return;
        }

        for (int i0 = 0; i0 < outDim[0]; i0++)
        {
            for (int i1 = 0; i1 < outDim[1]; i1++)
            {
                for (int i2 = 0; i2 < outDim[2]; i2++)
                {
                    int baseIdx = (i0 * stride[0]) + (i1 * stride[1]) + (i2 * stride[2]);
                    for (int i3 = 0; i3 < outDim[3]; i3++, d++)
                    {
                        float v = src[baseIdx + (i3 * stride[3])];
                        if (accumulate)
                        {
                            dst[d] += v;
                        }
                        else
                        {
                            dst[d] = v;
                        }
                    }
                }
            }
        }
    }

    private void BackwardNode(int i, Tensor g)
    {
        var n = _nodes[i];
        var y = _values[i];
        switch (n.Op)
        {
            case OpKind.Constant:
            case OpKind.Param:
            case OpKind.StopGradient:
            case OpKind.NoGradient:
                return;
            case OpKind.MatMul: BackwardMatMul(n, g); return;
            case OpKind.Linear: BackwardLinear(n, g, y); return;
            case OpKind.GroupedLinear: BackwardGroupedLinear(n, g); return;
            case OpKind.Binary: BackwardBinary(n, g, y); return;
            case OpKind.AddScalar: AddInto(GradBuffer(n.A), g.Span); return;
            case OpKind.MultiplyScalar:
                {
                    var ga = GradBuffer(n.A).Span;
                    TensorPrimitives.MultiplyAdd(g.Span, n.F0, ga, ga);
                    return;
                }

            case OpKind.Unary: BackwardUnary(n, g, y); return;
            case OpKind.Clamp:
                {
                    var xs = _values[n.A].Span;
                    var ga = GradBuffer(n.A).Span;
                    var gs = g.Span;
                    for (int j = 0; j < xs.Length; j++)
                    {
                        if (xs[j] >= n.F0 && xs[j] <= n.F1)
                        {
                            ga[j] += gs[j];
                        }
                    }

                    return;
                }

            case OpKind.Sum:
            case OpKind.Mean:
            case OpKind.Max:
            case OpKind.LogSumExp:
                BackwardReduce(n, g, y);
                return;
            case OpKind.SumAll:
                TensorPrimitives.Add(GradBuffer(n.A).Span, g.Span[0], GradBuffer(n.A).Span);
                return;
            case OpKind.MeanAll:
                TensorPrimitives.Add(GradBuffer(n.A).Span, g.Span[0] / _values[n.A].Length, GradBuffer(n.A).Span);
                return;
            case OpKind.Softmax:
            case OpKind.LogSoftmax:
                BackwardSoftmax(n, g, y);
                return;
            case OpKind.Reshape:
                {
                    if (_grads[n.A] is { } ga)
                    {
                        AddInto(ga, g.Span);
                    }
                    else
                    {
                        // The first gradient to reach the input is this one, element for element: share the buffer
                        // (a view in the input's shape) instead of copying it. Its owner keeps it until the tape
                        // releases every gradient at once.
                        _grads[n.A] = g.View(_values[n.A].ShapeArray());
                        var input = _nodes[n.A];
                        input.SharesGrad = true;
                        _nodes[n.A] = input;
                    }

                    return;
                }

            case OpKind.Transpose:
                {
                    var perm = (int[])n.Extra!;
                    var inverse = new int[perm.Length];
                    for (int j = 0; j < perm.Length; j++)
                    {
                        inverse[perm[j]] = j;
                    }

                    Permute(g.Span, y.Shape, inverse, GradBuffer(n.A).Span, accumulate: true);
                    return;
                }

            case OpKind.Slice:
                {
                    var xv = _values[n.A];
                    var (outer, len, inner) = AxisSplit(xv.Shape, n.I0);
                    int w = y.Shape[n.I0] * inner;
                    var ga = GradBuffer(n.A).Span;
                    for (int o = 0; o < outer; o++)
                    {
                        var dst = ga.Slice((o * len * inner) + (n.I1 * inner), w);
                        TensorPrimitives.Add(dst, g.Span.Slice(o * w, w), dst);
                    }

                    return;
                }

            case OpKind.Concat:
                {
                    var ids = (int[])n.Extra!;
                    var (outer, total, inner) = AxisSplit(y.Shape, n.I0);
                    int offset = 0;
                    foreach (int id in ids)
                    {
                        var pv = _values[id];
                        int w = pv.Shape[n.I0] * inner;
                        if (Needs(id))
                        {
                            // A part that appears twice in the concatenation is written the first time and added to the second.
                            var gp = GradForWrite(id, out bool overwrite).Span;
                            for (int o = 0; o < outer; o++)
                            {
                                var dst = gp.Slice(o * w, w);
                                var src = g.Span.Slice((o * total * inner) + offset, w);
                                if (overwrite)
                                {
                                    src.CopyTo(dst);
                                }
                                else
                                {
                                    TensorPrimitives.Add(dst, src, dst);
                                }
                            }
                        }

                        offset += w;
                    }

                    return;
                }

            case OpKind.Gather:
                {
                    var idx = (int[])n.Extra!;
                    var xv = _values[n.A];
                    var (outer, len, inner) = AxisSplit(xv.Shape, n.I0);
                    var ga = GradBuffer(n.A).Span;
                    var gs = g.Span;
                    if (inner == 1 && idx.Length > 1 && IsRun(idx))
                    {
                        for (int o = 0; o < outer; o++)
                        {
                            var dst = ga.Slice((o * len) + idx[0], idx.Length);
                            TensorPrimitives.Add(dst, gs.Slice(o * idx.Length, idx.Length), dst);
                        }

                        return;
                    }

                    if (inner == 1)
                    {
                        for (int o = 0; o < outer; o++)
                        {
                            var dst = ga.Slice(o * len, len);
                            var src = gs.Slice(o * idx.Length, idx.Length);
                            for (int j = 0; j < src.Length; j++)
                            {
                                dst[idx[j]] += src[j];
                            }
                        }

                        return;
                    }

                    for (int o = 0; o < outer; o++)
                    {
                        for (int j = 0; j < idx.Length; j++)
                        {
                            var dst = ga.Slice(((o * len) + idx[j]) * inner, inner);
                            TensorPrimitives.Add(dst, gs.Slice(((o * idx.Length) + j) * inner, inner), dst);
                        }
                    }

                    return;
                }

            case OpKind.Where: BackwardWhere(n, g, y); return;
            case OpKind.PickLast: BackwardPickLast(n, g); return;
            case OpKind.MixtureLogLikelihood: BackwardMixtureLogLikelihood(n, g); return;
            case OpKind.External:
                {
                    var grads = (Tensor)n.Extra!;
                    var ga = GradBuffer(n.A).Span;
                    int d = grads.Length / y.Length;
                    for (int r = 0; r < y.Length; r++)
                    {
                        var dst = ga.Slice(r * d, d);
                        TensorPrimitives.MultiplyAdd(grads.Span.Slice(r * d, d), g.Span[r], dst, dst);
                    }

                    return;
                }

            default:
                throw new InvalidOperationException($"No backward rule for {n.Op}.");
        }
    }
}
