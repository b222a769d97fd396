namespace MLNetMixture.Training.Compute;

/// <summary>
/// Single-precision general matrix multiply on row-major storage:
/// <c>C = alpha * op(A) * op(B) + beta * C</c>, where op is identity or transpose.
/// </summary>
public static class Gemm
{
    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c>.</summary>
    /// <param name="transposeA">When true, A is stored as [K, M] and op(A) = A^T.</param>
    /// <param name="transposeB">When true, B is stored as [N, K] and op(B) = B^T.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Distance between rows of A as stored.</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Distance between rows of B as stored.</param>
    /// <param name="beta">Scale of the existing C; 0 ignores C's contents (NaN included).</param>
    /// <param name="c">C, row-major with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="maxThreads">Upper bound on threads; 0 or less means <see cref="Environment.ProcessorCount"/>.</param>
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int maxThreads = 0)
        => Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads, GemmKernel.WidthFor(n));

    /// <summary>
    /// As the public overload, with the micro-kernel pinned to <paramref name="width"/> and, when
    /// <paramref name="packA"/> is set, op(A) forced packed or read in place (tests exercise every path).
    /// </summary>
    internal static unsafe void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int maxThreads, GemmVectorWidth width, bool? packA = null)
    {
        ValidateShapes(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            GemmKernel.Run(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ResolveThreads(maxThreads, m, n, k), width, packA);
        }
    }

    /// <summary>
    /// <c>C = epilogue(alpha * op(A) * op(B) + beta * C + bias)</c>: <paramref name="bias"/> (n values, or empty for
    /// none) is added to every row of C and <paramref name="relu"/> stores max(0, .), both while each tile is merged
    /// (no pass of their own over C). With beta = 0 and a bias, each element is <c>fma(sum, alpha, bias)</c>, exactly
    /// what filling C with the bias and merging with beta = 1 gives. <paramref name="width"/> and
    /// <paramref name="packA"/> pin the micro-kernel and the op(A) path (tests).
    /// </summary>
    internal static unsafe void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias, bool relu, int maxThreads = 0, GemmVectorWidth? width = null, bool? packA = null)
    {
        ValidateShapes(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (!bias.IsEmpty && bias.Length < n)
        {
            throw new ArgumentException($"GEMM: the bias has {bias.Length} values for {n} columns.", nameof(bias));
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            GemmKernel.Run(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ResolveThreads(maxThreads, m, n, k), width ?? GemmKernel.WidthFor(n), bias.IsEmpty ? null : pbias, relu, packA);
        }
    }

    internal static int ResolveThreads(int maxThreads, int m, int n, int k)
    {
        int t = maxThreads <= 0 ? Environment.ProcessorCount : maxThreads;
        long work = (long)m * n * k;
        if (work < 64L * 64 * 64)
        {
            return 1;
        }

        return Math.Max(1, t);
    }

    private static void ValidateShapes(bool ta, bool tb, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM dimensions must be non-negative (m={m}, n={n}, k={k}).");
        }

        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        Check("A", aRows, aCols, aLen, lda);
        Check("B", bRows, bCols, bLen, ldb);
        Check("C", m, n, cLen, ldc);

        static void Check(string name, int rows, int cols, int len, int ld)
        {
            if (rows == 0 || cols == 0)
            {
                return;
            }

            if (ld < cols)
            {
                throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its column count ({cols}).");
            }

            long need = ((long)(rows - 1) * ld) + cols;
            if (len < need)
            {
                throw new ArgumentException($"GEMM: {name} needs {need} elements for [{rows}, {cols}] with leading dimension {ld}; it has {len}.");
            }
        }
    }
}
