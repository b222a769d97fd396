using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Buffers;

namespace MLNetMixture.Training.Compute;

/// <summary>Numerically stable per-row kernels over a row-major [rows, n] block: log-sum-exp, softmax, log-softmax.</summary>
public static class RowKernels
{
    /// <summary>dst[r] = log sum_j exp(src[r, j]), subtracting the row maximum first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSumExp(ReadOnlySpan<float> src, int rows, int n, Span<float> dst)
    {
        Check(src, rows, n);
        for (int r = 0; r < rows; r++)
        {
            dst[r] = RowLogSumExp(src.Slice(r * n, n));
        }
    }

    /// <summary>dst row = softmax(src row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(ReadOnlySpan<float> src, int rows, int n, Span<float> dst)
    {
        Check(src, rows, n);
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * n, n);
            var d = dst.Slice(r * n, n);
            float max = TensorPrimitives.Max(s);
            TensorPrimitives.Subtract(s, max, d);
            TensorPrimitives.Exp(d, d);
            float sum = TensorPrimitives.Sum(d);
            TensorPrimitives.Multiply(d, 1f / sum, d);
        }
    }

    /// <summary>dst row = src row - logsumexp(src row).</summary>
    /// <remarks>
    /// Computed as (x - max) - log(sum exp(x - max)) rather than x - logsumexp: the log-sum-exp of large inputs
    /// (1e4) is rounded to a float32 ulp of 1e-3, and subtracting it from x would put that error into
    /// log-probabilities near 0. Here x - max is exact for the entries that matter and log(sum) lies in [0, log n].
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmax(ReadOnlySpan<float> src, int rows, int n, Span<float> dst)
    {
        Check(src, rows, n);
        if (rows == 0 || n == 0)
        {
            return;
        }

        // Shift every row by its maximum, then exponentiate the whole block in one call: with short rows (C classes
        // of each of K experts) one exp call per row cost more in call overhead than in arithmetic.
        bool anyInfinite = false;
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * n, n);
            float max = TensorPrimitives.Max(s);
            anyInfinite |= float.IsInfinity(max);
            TensorPrimitives.Subtract(s, max, dst.Slice(r * n, n));
        }

        int length = rows * n;
        float[] rented = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var exp = rented.AsSpan(0, length);
            NonPositiveExponential.Compute(dst[..length], exp); // x - max <= 0
            for (int r = 0; r < rows; r++)
            {
                var d = dst.Slice(r * n, n);
                var s = src.Slice(r * n, n);
                if (anyInfinite && float.IsInfinity(TensorPrimitives.Max(s)))
                {
                    // All -inf (undefined: NaN, as x - logsumexp gives) or a +inf entry: keep the plain definition.
                    TensorPrimitives.Subtract(s, RowLogSumExp(s), d);
                    continue;
                }

                TensorPrimitives.Subtract(d, MathF.Log(TensorPrimitives.Sum(exp.Slice(r * n, n))), d);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Stable log-sum-exp of one row.</summary>
    public static float RowLogSumExp(ReadOnlySpan<float> s)
    {
        if (s.IsEmpty)
        {
            return float.NegativeInfinity;
        }

        float max = TensorPrimitives.Max(s);
        if (float.IsInfinity(max))
        {
            return max;
        }

        float sum = 0f;
        // Chunked to keep a stack buffer: exp(s - max) summed without allocating.
        Span<float> tmp = stackalloc float[Math.Min(s.Length, 256)];
        for (int i = 0; i < s.Length; i += tmp.Length)
        {
            int len = Math.Min(tmp.Length, s.Length - i);
            var t = tmp[..len];
            TensorPrimitives.Subtract(s.Slice(i, len), max, t);
            TensorPrimitives.Exp(t, t);
            sum += TensorPrimitives.Sum(t);
        }

        return max + MathF.Log(sum);
    }

    /// <summary>
    /// <c>sum[j] += g[0, j] + g[1, j] + ... + g[rows - 1, j]</c> for row-major g [rows, sum.Length] (a bias's
    /// gradient): blocks of columns are summed over all rows in registers and added once, instead of one pass over
    /// <paramref name="sum"/> per row.
    /// </summary>
    /// <param name="g">The rows, each sum.Length long.</param>
    /// <param name="rows">How many rows.</param>
    /// <param name="sum">Added to.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddColumnSums(ReadOnlySpan<float> g, int rows, Span<float> sum)
    {
        int n = sum.Length;
        Check(g, rows, n);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float sr = ref MemoryMarshal.GetReference(sum);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - (2 * Vector512<float>.Count); j += 2 * Vector512<float>.Count)
            {
                Vector512<float> a0 = default, a1 = default;
                for (int r = 0; r < rows; r++)
                {
                    nuint at = (nuint)(((long)r * n) + j);
                    a0 += Vector512.LoadUnsafe(ref gr, at);
                    a1 += Vector512.LoadUnsafe(ref gr, at + (nuint)Vector512<float>.Count);
                }

                (Vector512.LoadUnsafe(ref sr, (nuint)j) + a0).StoreUnsafe(ref sr, (nuint)j);
                (Vector512.LoadUnsafe(ref sr, (nuint)(j + Vector512<float>.Count)) + a1).StoreUnsafe(ref sr, (nuint)(j + Vector512<float>.Count));
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                Vector256<float> a0 = default;
                for (int r = 0; r < rows; r++)
                {
                    a0 += Vector256.LoadUnsafe(ref gr, (nuint)(((long)r * n) + j));
                }

                (Vector256.LoadUnsafe(ref sr, (nuint)j) + a0).StoreUnsafe(ref sr, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            float a = 0f;
            for (int r = 0; r < rows; r++)
            {
                a += Unsafe.Add(ref gr, ((nint)r * n) + j);
            }

            Unsafe.Add(ref sr, j) += a;
        }
    }

    private static void Check(ReadOnlySpan<float> src, int rows, int n)
    {
        if ((long)rows * n > src.Length)
        {
            throw new ArgumentException($"Expected at least {rows}x{n} values, found {src.Length}.", nameof(src));
        }
    }
}
