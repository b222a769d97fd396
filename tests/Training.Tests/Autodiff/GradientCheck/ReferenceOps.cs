namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>
/// Straightforward float64 implementations of the IComputeGraph operations, written independently of the
/// production kernels (index arithmetic on multi-indices, no SIMD, no broadcasting shortcuts). They define the
/// expected forward values and, through central differences, the expected gradients.
/// </summary>
internal static class ReferenceOps
{
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = DimFromEnd(a, rank - 1 - i);
            int db = DimFromEnd(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Reference: {RefTensor.Describe(a)} and {RefTensor.Describe(b)} do not broadcast.");
            }

            shape[i] = Math.Max(da, db);
        }

        return shape;
    }

    /// <summary>Dimension <paramref name="fromEnd"/> counted from the last (0 = last); 1 beyond the rank.</summary>
    public static int DimFromEnd(int[] shape, int fromEnd) => fromEnd < shape.Length ? shape[shape.Length - 1 - fromEnd] : 1;

    /// <summary>The element of <paramref name="t"/> that broadcasts to <paramref name="outIndex"/>.</summary>
    public static double At(RefTensor t, int[] outIndex)
    {
        int offset = outIndex.Length - t.Rank;
        int flat = 0;
        for (int i = 0; i < t.Rank; i++)
        {
            int d = t.Shape[i];
            flat = (flat * d) + (d == 1 ? 0 : outIndex[i + offset]);
        }

        return t.Data[flat];
    }

    public static RefTensor Broadcast(RefTensor a, RefTensor b, Func<double, double, double> f)
    {
        var shape = BroadcastShape(a.Shape, b.Shape);
        var y = new RefTensor(shape);
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, shape);
            y.Data[k] = f(At(a, idx), At(b, idx));
        }

        return y;
    }

    public static RefTensor Map(RefTensor x, Func<double, double> f)
    {
        var y = new RefTensor((int[])x.Shape.Clone());
        for (int k = 0; k < x.Length; k++)
        {
            y.Data[k] = f(x.Data[k]);
        }

        return y;
    }

    public static RefTensor MatMul(RefTensor a, RefTensor b, bool transposeB)
    {
        bool batchedA = a.Rank == 3, batchedB = b.Rank == 3;
        int batch = batchedA ? a.Shape[0] : 1;
        int m = a.Shape[^2], k = a.Shape[^1];
        int n = transposeB ? b.Shape[^2] : b.Shape[^1];
        int kb = transposeB ? b.Shape[^1] : b.Shape[^2];
        if (kb != k)
        {
            throw new ArgumentException("Reference MatMul: inner dimensions differ.");
        }

        var y = new RefTensor(batchedA ? [batch, m, n] : [m, n]);
        for (int t = 0; t < batch; t++)
        {
            int aBase = t * m * k, bBase = batchedB ? t * k * n : 0;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double bv = transposeB ? b.Data[bBase + (j * k) + p] : b.Data[bBase + (p * n) + j];
                        s += a.Data[aBase + (i * k) + p] * bv;
                    }

                    y.Data[(t * m * n) + (i * n) + j] = s;
                }
            }
        }

        return y;
    }

    public static RefTensor Linear(RefTensor x, RefTensor w, RefTensor? bias)
    {
        var y = MatMul(x, w, transposeB: true);
        if (bias is null)
        {
            return y;
        }

        return Broadcast(y, bias, (p, q) => p + q);
    }

    /// <summary>y [N, G*Out] with group g = x[:, g*In..(g+1)*In] W_g + b_g (bias G*Out values, group by group).</summary>
    public static RefTensor GroupedLinear(RefTensor x, RefTensor w, RefTensor? bias)
    {
        int n = x.Shape[0], groups = w.Shape[0], inDim = w.Shape[1], outDim = w.Shape[2];
        var y = new RefTensor(n, groups * outDim);
        for (int r = 0; r < n; r++)
        {
            for (int g = 0; g < groups; g++)
            {
                for (int o = 0; o < outDim; o++)
                {
                    double sum = bias is null ? 0 : bias.Data[(g * outDim) + o];
                    for (int i = 0; i < inDim; i++)
                    {
                        sum += x.Data[(r * groups * inDim) + (g * inDim) + i] * w.Data[(((g * inDim) + i) * outDim) + o];
                    }

                    y.Data[(r * groups * outDim) + (g * outDim) + o] = sum;
                }
            }
        }

        return y;
    }

    /// <summary>Reduces one axis with <paramref name="f"/> applied to the values along it.</summary>
    public static RefTensor Reduce(RefTensor x, int axis, bool keepDims, Func<double[], double> f)
    {
        int ax = axis < 0 ? axis + x.Rank : axis;
        var keptShape = (int[])x.Shape.Clone();
        keptShape[ax] = 1;
        var y = new RefTensor(keptShape);
        var line = new double[x.Shape[ax]];
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, keptShape);
            for (int j = 0; j < line.Length; j++)
            {
                idx[ax] = j;
                line[j] = x.Data[RefTensor.Ravel(idx, x.Shape)];
            }

            y.Data[k] = f(line);
        }

        return keepDims ? y : new RefTensor(x.Shape.Where((_, i) => i != ax).ToArray(), y.Data);
    }

    public static double LogSumExp(double[] v)
    {
        double max = v.Max();
        if (double.IsNegativeInfinity(max))
        {
            return double.NegativeInfinity;
        }

        return max + Math.Log(v.Sum(t => Math.Exp(t - max)));
    }

    /// <summary>Applies a row function to every row along the last axis.</summary>
    public static RefTensor Rows(RefTensor x, Func<double[], double[]> f)
    {
        int c = x.Shape[^1];
        var y = new RefTensor((int[])x.Shape.Clone());
        for (int r = 0; r < x.Length / c; r++)
        {
            var row = f(x.Data.AsSpan(r * c, c).ToArray());
            row.CopyTo(y.Data, r * c);
        }

        return y;
    }

    public static RefTensor Softmax(RefTensor x) => Rows(x, row =>
    {
        double lse = LogSumExp(row);
        return row.Select(v => Math.Exp(v - lse)).ToArray();
    });

    public static RefTensor LogSoftmax(RefTensor x) => Rows(x, row =>
    {
        double lse = LogSumExp(row);
        return row.Select(v => v - lse).ToArray();
    });

    public static RefTensor OneHotArgMax(RefTensor x) => Rows(x, row =>
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++)
        {
            if (row[j] > row[best])
            {
                best = j;
            }
        }

        var o = new double[row.Length];
        o[best] = 1;
        return o;
    });

    public static RefTensor Reshape(RefTensor x, int[] shape)
    {
        var r = (int[])shape.Clone();
        int infer = Array.IndexOf(r, -1);
        for (int i = 0; i < r.Length; i++)
        {
            if (r[i] == 0)
            {
                r[i] = x.Shape[i];
            }
        }

        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < r.Length; i++)
            {
                known *= i == infer ? 1 : r[i];
            }

            r[infer] = x.Length / known;
        }

        return new RefTensor(r, (double[])x.Data.Clone());
    }

    public static RefTensor Transpose(RefTensor x, int[] perm)
    {
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        var y = new RefTensor(shape);
        var src = new int[x.Rank];
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, shape);
            for (int i = 0; i < perm.Length; i++)
            {
                src[perm[i]] = idx[i];
            }

            y.Data[k] = x.Data[RefTensor.Ravel(src, x.Shape)];
        }

        return y;
    }

    /// <summary>Picks positions along one axis (Slice and Gather are both this with different index lists).</summary>
    public static RefTensor Take(RefTensor x, int axis, int[] indices)
    {
        int ax = axis < 0 ? axis + x.Rank : axis;
        var shape = (int[])x.Shape.Clone();
        shape[ax] = indices.Length;
        var y = new RefTensor(shape);
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, shape);
            idx[ax] = indices[idx[ax]];
            y.Data[k] = x.Data[RefTensor.Ravel(idx, x.Shape)];
        }

        return y;
    }

    public static RefTensor Slice(RefTensor x, int axis, int start, int end) => Take(x, axis, Enumerable.Range(start, end - start).ToArray());

    public static RefTensor Concat(int axis, params RefTensor[] parts)
    {
        int ax = axis < 0 ? axis + parts[0].Rank : axis;
        var shape = (int[])parts[0].Shape.Clone();
        shape[ax] = parts.Sum(p => p.Shape[ax]);
        var y = new RefTensor(shape);
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, shape);
            int part = 0;
            while (idx[ax] >= parts[part].Shape[ax])
            {
                idx[ax] -= parts[part].Shape[ax];
                part++;
            }

            y.Data[k] = parts[part].Data[RefTensor.Ravel(idx, parts[part].Shape)];
        }

        return y;
    }

    public static RefTensor Where(RefTensor mask, RefTensor a, RefTensor b)
    {
        var shape = BroadcastShape(BroadcastShape(mask.Shape, a.Shape), b.Shape);
        var y = new RefTensor(shape);
        for (int k = 0; k < y.Length; k++)
        {
            var idx = RefTensor.Unravel(k, shape);
            y.Data[k] = At(mask, idx) != 0 ? At(a, idx) : At(b, idx);
        }

        return y;
    }

    public static RefTensor PickLast(RefTensor x, int[] labels)
    {
        int c = x.Shape[^1];
        var y = new RefTensor(x.Shape[..^1]);
        int inner = y.Length / labels.Length;
        for (int k = 0; k < y.Length; k++)
        {
            y.Data[k] = x.Data[(k * c) + labels[k / inner]];
        }

        return y;
    }

    public static RefTensor SumAll(RefTensor x) => new([], [x.Data.Sum()]);

    public static RefTensor MeanAll(RefTensor x) => new([], [x.Data.Average()]);

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>log(1 + e^x) to full double precision (log1p via the Goldberg correction).</summary>
    public static double Softplus(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        double u = 1 + e;
        double log1p = u == 1 ? e : Math.Log(u) * e / (u - 1);
        return Math.Max(x, 0) + log1p;
    }

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>The error function to near double precision: Maclaurin series for |x| &lt; 3, continued fraction beyond.</summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double r;
        if (z < 3)
        {
            double term = z, sum = z, z2 = z * z;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -z2 / n;
                sum += term / ((2 * n) + 1);
            }

            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))) (Lentz-free backward evaluation).
            double f = z;
            for (int n = 60; n >= 1; n--)
            {
                f = z + (n / 2.0 / f);
            }

            r = 1 - (Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f);
        }

        return x < 0 ? -r : r;
    }
}
