
namespace MLNetMixture.Training.Compute;

/// <summary>Element-wise binary operations with NumPy broadcasting (rank up to 4), and the matching reductions.</summary>
internal static class BroadcastKernels
{
    public enum BinaryOp
    {
        Add,
        Subtract,
        Multiply,
        Divide,
    }

    /// <summary>The broadcast shape of two shapes, or an error naming both.</summary>
    public static int[] BroadcastShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes [{string.Join(", ", a.ToArray())}] and [{string.Join(", ", b.ToArray())}] cannot be broadcast together.");
            }

            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>out = a (op) b where a and b broadcast to <paramref name="outShape"/>.</summary>
    public static void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, Span<float> output, ReadOnlySpan<int> outShape)
    {
        if (aShape.SequenceEqual(bShape))
        {
            Apply(op, a, b, output);
            return;
        }

        Span<int> o = stackalloc int[4];
        Span<int> sa = stackalloc int[4];
        Span<int> sb = stackalloc int[4];
        Pad(outShape, o);
        BroadcastStrides(aShape, o, sa);
        BroadcastStrides(bShape, o, sb);
        int n3 = o[3];
        int oi = 0;
        for (int i0 = 0; i0 < o[0]; i0++)
        {
            for (int i1 = 0; i1 < o[1]; i1++)
            {
                for (int i2 = 0; i2 < o[2]; i2++, oi += n3)
                {
                    int ao = (i0 * sa[0]) + (i1 * sa[1]) + (i2 * sa[2]);
                    int bo = (i0 * sb[0]) + (i1 * sb[1]) + (i2 * sb[2]);
                    var dst = output.Slice(oi, n3);
                    if (sa[3] == 1 && sb[3] == 1)
                    {
                        Apply(op, a.Slice(ao, n3), b.Slice(bo, n3), dst);
                    }
                    else if (sa[3] == 1)
                    {
                        ApplyScalarRight(op, a.Slice(ao, n3), b[bo], dst);
                    }
                    else if (sb[3] == 1)
                    {
                        ApplyScalarLeft(op, a[ao], b.Slice(bo, n3), dst);
                    }
                    else
                    {
                        dst.Fill(Scalar(op, a[ao], b[bo]));
                    }
                }
            }
        }
    }

    /// <summary>dst (shape <paramref name="dstShape"/>) += sum of src (shape <paramref name="srcShape"/>) over the broadcast dimensions.</summary>
    public static void AccumulateReduced(ReadOnlySpan<float> src, ReadOnlySpan<int> srcShape, Span<float> dst, ReadOnlySpan<int> dstShape)
    {
        if (srcShape.SequenceEqual(dstShape))
        {
            TensorPrimitives.Add(dst, src, dst);
            return;
        }

        Span<int> o = stackalloc int[4];
        Span<int> sd = stackalloc int[4];
        Pad(srcShape, o);
        BroadcastStrides(dstShape, o, sd);
        int n3 = o[3];
        int si = 0;
        for (int i0 = 0; i0 < o[0]; i0++)
        {
            for (int i1 = 0; i1 < o[1]; i1++)
            {
                for (int i2 = 0; i2 < o[2]; i2++, si += n3)
                {
                    int d = (i0 * sd[0]) + (i1 * sd[1]) + (i2 * sd[2]);
                    var s = src.Slice(si, n3);
                    if (sd[3] == 1)
                    {
                        var dd = dst.Slice(d, n3);
                        TensorPrimitives.Add(dd, s, dd);
                    }
                    else
                    {
                        dst[d] += TensorPrimitives.Sum(s);
                    }
                }
            }
        }
    }

    /// <summary>Copies src broadcast to <paramref name="outShape"/>.</summary>
    public static void Expand(ReadOnlySpan<float> src, ReadOnlySpan<int> srcShape, Span<float> output, ReadOnlySpan<int> outShape)
    {
        if (srcShape.SequenceEqual(outShape))
        {
            src.CopyTo(output);
            return;
        }

        Span<int> o = stackalloc int[4];
        Span<int> ss = stackalloc int[4];
        Pad(outShape, o);
        BroadcastStrides(srcShape, o, ss);
        int n3 = o[3];
        int oi = 0;
        for (int i0 = 0; i0 < o[0]; i0++)
        {
            for (int i1 = 0; i1 < o[1]; i1++)
            {
                for (int i2 = 0; i2 < o[2]; i2++, oi += n3)
                {
                    int so = (i0 * ss[0]) + (i1 * ss[1]) + (i2 * ss[2]);
                    if (ss[3] == 1)
                    {
                        src.Slice(so, n3).CopyTo(output.Slice(oi, n3));
                    }
                    else
                    {
                        output.Slice(oi, n3).Fill(src[so]);
                    }
                }
            }
        }
    }

    private static void Pad(ReadOnlySpan<int> shape, Span<int> padded)
    {
        int off = 4 - shape.Length;
        for (int i = 0; i < 4; i++)
        {
            padded[i] = i < off ? 1 : shape[i - off];
        }
    }

    private static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outPadded, Span<int> strides)
    {
        Span<int> p = stackalloc int[4];
        Pad(shape, p);
        int s = 1;
        for (int i = 3; i >= 0; i--)
        {
            strides[i] = p[i] == 1 && outPadded[i] != 1 ? 0 : s;
            s *= p[i];
        }
    }

    private static float Scalar(BinaryOp op, float x, float y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Subtract => x - y,
        BinaryOp.Multiply => x * y,
        _ => x / y,
    };

    private static void Apply(BinaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void ApplyScalarRight(BinaryOp op, ReadOnlySpan<float> x, float y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void ApplyScalarLeft(BinaryOp op, float x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(y, x, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(y, x, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }
}
