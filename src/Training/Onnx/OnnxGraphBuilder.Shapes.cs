using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Onnx;

/// <content>Shape operations and static shape tracking.</content>
public sealed partial class OnnxGraphBuilder
{
    /// <inheritdoc />
    public Var Reshape(Var x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var e = Entry(x);
        var dims = ReshapeDims(e.Dims, shape);
        var target = shape.Select(d => (long)d).ToArray();
        return EmitVar("Reshape", dims, [e.Name, Int64Constant(target)]);
    }

    /// <inheritdoc />
    public Var Transpose(Var x, params int[] permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        var e = Entry(x);
        int rank = e.Dims.Length;
        if (permutation.Length != rank || permutation.Distinct().Count() != rank || permutation.Any(p => p < 0 || p >= rank))
        {
            throw new ArgumentException($"[{string.Join(", ", permutation)}] is not a permutation of the {rank} axes.", nameof(permutation));
        }

        var dims = permutation.Select(p => e.Dims[p]).ToArray();
        return EmitVar("Transpose", dims, [e.Name], IntsAttribute("perm", permutation.Select(p => (long)p).ToArray()));
    }

    /// <inheritdoc />
    public Var Slice(Var x, int axis, int start, int end)
    {
        var e = Entry(x);
        int ax = NormalizeAxis(axis, e.Dims.Length);
        int len = e.Dims[ax];
        if (start < 0 || start > end || (len >= 0 && end > len))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {end}) is outside axis {ax} of length {Describe(len)}.");
        }

        var dims = (int[])e.Dims.Clone();
        dims[ax] = end - start;
        return EmitVar("Slice", dims, [e.Name, Int64Constant(start), Int64Constant(end), Int64Constant(ax)]);
    }

    /// <inheritdoc />
    public Var Concat(int axis, params Var[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one part.", nameof(parts));
        }

        var first = Entry(parts[0]).Dims;
        int ax = NormalizeAxis(axis, first.Length);
        var dims = (int[])first.Clone();
        dims[ax] = 0;
        var names = new string[parts.Length];
        for (int p = 0; p < parts.Length; p++)
        {
            var e = Entry(parts[p]);
            if (e.Dims.Length != first.Length)
            {
                throw new ArgumentException($"Concat along axis {ax}: part {DescribeShape(e.Dims)} does not match {DescribeShape(first)}.", nameof(parts));
            }

            for (int d = 0; d < dims.Length; d++)
            {
                if (d == ax)
                {
                    dims[d] = dims[d] >= 0 && e.Dims[d] >= 0 ? dims[d] + e.Dims[d] : UnknownDim;
                }
                else
                {
                    dims[d] = SameDim(dims[d], e.Dims[d], () => $"Concat along axis {ax}: part {DescribeShape(e.Dims)} does not match {DescribeShape(first)}.");
                }
            }

            names[p] = e.Name;
        }

        return EmitVar("Concat", dims, names, IntAttribute("axis", ax));
    }

    /// <inheritdoc />
    public Var Gather(Var x, int axis, params int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var e = Entry(x);
        int ax = NormalizeAxis(axis, e.Dims.Length);
        int len = e.Dims[ax];
        foreach (int i in indices)
        {
            if (i < 0 || (len >= 0 && i >= len))
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather index {i} is outside axis {ax} of length {Describe(len)}.");
            }
        }

        var dims = (int[])e.Dims.Clone();
        dims[ax] = indices.Length;
        return EmitVar("Gather", dims, [e.Name, Int64Constant(indices.Select(i => (long)i).ToArray())], IntAttribute("axis", ax));
    }

    /// <inheritdoc />
    public Var StopGradient(Var x)
    {
        var e = Entry(x);
        return EmitVar("Identity", (int[])e.Dims.Clone(), [e.Name]);
    }

    private static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a value of rank {rank}.");
        }

        return a;
    }

    /// <summary>The dimension two values must share (matrix inner dimensions, Concat's other axes).</summary>
    private static int SameDim(int a, int b, Func<string> error)
    {
        if (a >= 0 && b >= 0)
        {
            return a == b ? a : throw new ArgumentException(error());
        }

        if (a >= 0 || b >= 0)
        {
            return Math.Max(a, b);
        }

        // Both dynamic and equal at run time: the batch symbol survives if either is it.
        return a == BatchDim || b == BatchDim ? BatchDim : UnknownDim;
    }

    /// <summary>NumPy broadcasting of two dimensions.</summary>
    private static int BroadcastDim(int a, int b, Func<string> error)
    {
        if (a == 1)
        {
            return b;
        }

        if (b == 1)
        {
            return a;
        }

        if (a >= 0 && b >= 0)
        {
            return a == b ? a : throw new ArgumentException(error());
        }

        if (a >= 0 || b >= 0)
        {
            // A dynamic dimension against a static one other than 1 must be 1 or equal to it.
            return Math.Max(a, b);
        }

        // Two dynamic dimensions: either may turn out to be 1, so only the same symbol is certain.
        return a == BatchDim && b == BatchDim ? BatchDim : UnknownDim;
    }

    private static int[] BroadcastDims(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            dims[i] = BroadcastDim(da, db, () => $"Shapes {DescribeShape(a)} and {DescribeShape(b)} do not broadcast.");
        }

        return dims;
    }

    /// <summary>The dimensions after ONNX Reshape (allowzero = 0): 0 copies the input's dimension, one -1 is inferred.</summary>
    private static int[] ReshapeDims(int[] from, int[] shape)
    {
        var dims = new int[shape.Length];
        int infer = -1;

        // The element count of the input as (static product, batch symbols, unknown dimensions).
        var (inProduct, inBatch, inUnknown) = Count(from);
        long outProduct = 1;
        int outBatch = 0, outUnknown = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            int d = shape[i];
            if (d == 0)
            {
                d = i < from.Length ? from[i] : throw new ArgumentException($"Reshape dimension {i} is 0 (copy) but the input has rank {from.Length}.", nameof(shape));
            }
            else if (d == -1)
            {
                infer = infer < 0 ? i : throw new ArgumentException("Reshape allows only one -1 dimension; pass 0 to keep the batch dimension.", nameof(shape));
                continue;
            }
            else if (d < -1)
            {
                throw new ArgumentException($"Reshape dimension {d} is invalid.", nameof(shape));
            }

            dims[i] = d;
            if (d >= 0)
            {
                outProduct *= d;
            }
            else if (d == BatchDim)
            {
                outBatch++;
            }
            else
            {
                outUnknown++;
            }
        }

        bool allStatic = inBatch == 0 && inUnknown == 0 && outBatch == 0 && outUnknown == 0;
        if (infer < 0)
        {
            if (allStatic && inProduct != outProduct)
            {
                throw new ArgumentException($"Cannot reshape {DescribeShape(from)} ({inProduct} elements) to [{string.Join(", ", shape)}].", nameof(shape));
            }

            return dims;
        }

        if (inUnknown == 0 && outUnknown == 0 && inBatch >= outBatch && outProduct != 0 && inProduct % outProduct == 0)
        {
            long rest = inProduct / outProduct;
            int batchLeft = inBatch - outBatch;
            if (batchLeft == 0)
            {
                dims[infer] = (int)rest;
                return dims;
            }

            if (batchLeft == 1 && rest == 1)
            {
                dims[infer] = BatchDim;
                return dims;
            }
        }

        if (allStatic)
        {
            throw new ArgumentException($"Cannot reshape {DescribeShape(from)} ({inProduct} elements) to [{string.Join(", ", shape)}].", nameof(shape));
        }

        dims[infer] = UnknownDim;
        return dims;

        static (long Product, int Batch, int Unknown) Count(int[] dims)
        {
            long p = 1;
            int b = 0, u = 0;
            foreach (int d in dims)
            {
                if (d >= 0)
                {
                    p *= d;
                }
                else if (d == BatchDim)
                {
                    b++;
                }
                else
                {
                    u++;
                }
            }

            return (p, b, u);
        }
    }

    private static string Describe(int dim) => dim switch
    {
        >= 0 => dim.ToString(System.Globalization.CultureInfo.InvariantCulture),
        BatchDim => BatchDimensionName,
        _ => "?",
    };

    private static string DescribeShape(int[] dims) => "[" + string.Join(", ", dims.Select(Describe)) + "]";
}
