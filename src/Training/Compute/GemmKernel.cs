using System.Buffers;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// The GEMM engine behind <see cref="Gemm"/>. Each element of C is computed by exactly one thread with a fixed
/// summation order, so results do not depend on the thread count.
/// </summary>
internal static unsafe class GemmKernel
{
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads)
    {
        // Baseline: pack op(B) as a dense [K, N] panel, then C row i += alpha * A(i,p) * Bpanel row p.
        float[]? rented = null;
        float* bp = b;
        int ldbp = ldb;
        if (tb && k > 0)
        {
            rented = ArrayPool<float>.Shared.Rent(k * n);
            fixed (float* dst = rented)
            {
                for (int j = 0; j < n; j++)
                {
                    float* src = b + ((long)j * ldb);
                    for (int p = 0; p < k; p++)
                    {
                        dst[((long)p * n) + j] = src[p];
                    }
                }
            }
        }

        try
        {
            fixed (float* packed = rented)
            {
                if (rented is not null)
                {
                    bp = packed;
                    ldbp = n;
                }

                nint pa = (nint)a, pb = (nint)bp, pc = (nint)c;
                int ldbLocal = ldbp;
                if (threads <= 1 || m < 2)
                {
                    Rows(0, m);
                }
                else
                {
                    int chunks = Math.Min(threads, m);
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                    {
                        int r0 = (int)((long)m * t / chunks), r1 = (int)((long)m * (t + 1) / chunks);
                        Rows(r0, r1);
                    });
                }

                void Rows(int r0, int r1)
                {
                    float* A = (float*)pa, B = (float*)pb, C = (float*)pc;
                    for (int i = r0; i < r1; i++)
                    {
                        var crow = new Span<float>(C + ((long)i * ldc), n);
                        if (beta == 0f)
                        {
                            crow.Clear();
                        }
                        else if (beta != 1f)
                        {
                            TensorPrimitives.Multiply(crow, beta, crow);
                        }

                        // alpha = 0 leaves A and B unreferenced (the BLAS convention), so C = beta * C exactly.
                        for (int p = 0; alpha != 0f && p < k; p++)
                        {
                            // No shortcut for aip == 0: 0 * inf and 0 * NaN must give NaN (as in ONNX Runtime), or a
                            // diverged weight hides behind zero activations (ReLU outputs, one-hot rows).
                            float aip = alpha * (ta ? A[((long)p * lda) + i] : A[((long)i * lda) + p]);
                            var brow = new ReadOnlySpan<float>(B + ((long)p * ldbLocal), n);
                            TensorPrimitives.MultiplyAdd(brow, aip, crow, crow);
                        }
                    }
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }
}
