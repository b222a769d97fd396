using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMixture.Training.Compute;

/// <summary>GEMM micro-kernel on Vector512: a 6x32 tile held in twelve Vector512&lt;float&gt; accumulators. Used only where <see cref="Vector512.IsHardwareAccelerated"/> holds.</summary>
internal readonly unsafe struct GemmMicroKernel512 : IGemmMicroKernel
{
    /// <inheritdoc/>
    public static int Nr => 32;

    private const int MergeC = 1;
    private const int AddBias = 2;
    private const int ApplyRelu = 4;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int kc, float* a, nint rowStrideA, nint depthStrideA, float* b, float* c, nint ldc, float alpha, float beta, float* bias, bool relu)
    {
        float* row0 = a, row1 = row0 + rowStrideA, row2 = row1 + rowStrideA, row3 = row2 + rowStrideA, row4 = row3 + rowStrideA, row5 = row4 + rowStrideA;
        nint offset = 0;
        if (Sse.IsSupported)
        {
            // Start pulling the C tile in now; it is read (beta != 0) or written only after the depth loop.
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
            Sse.Prefetch0(c + 31);
            Sse.Prefetch0(c + (1 * ldc));
            Sse.Prefetch0(c + (1 * ldc) + 16);
            Sse.Prefetch0(c + (1 * ldc) + 31);
            Sse.Prefetch0(c + (2 * ldc));
            Sse.Prefetch0(c + (2 * ldc) + 16);
            Sse.Prefetch0(c + (2 * ldc) + 31);
            Sse.Prefetch0(c + (3 * ldc));
            Sse.Prefetch0(c + (3 * ldc) + 16);
            Sse.Prefetch0(c + (3 * ldc) + 31);
            Sse.Prefetch0(c + (4 * ldc));
            Sse.Prefetch0(c + (4 * ldc) + 16);
            Sse.Prefetch0(c + (4 * ldc) + 31);
            Sse.Prefetch0(c + (5 * ldc));
            Sse.Prefetch0(c + (5 * ldc) + 16);
            Sse.Prefetch0(c + (5 * ldc) + 31);
        }

        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(row0[offset]);
            c00 = MulAdd(a0, b0, c00);
            c01 = MulAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(row1[offset]);
            c10 = MulAdd(a1, b0, c10);
            c11 = MulAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(row2[offset]);
            c20 = MulAdd(a2, b0, c20);
            c21 = MulAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(row3[offset]);
            c30 = MulAdd(a3, b0, c30);
            c31 = MulAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(row4[offset]);
            c40 = MulAdd(a4, b0, c40);
            c41 = MulAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(row5[offset]);
            c50 = MulAdd(a5, b0, c50);
            c51 = MulAdd(a5, b1, c51);
            offset += depthStrideA;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> vb = Vector512.Create(beta);
        Vector512<float> bias0 = bias == null ? default : Vector512.Load(bias);
        Vector512<float> bias1 = bias == null ? default : Vector512.Load(bias + 16);
        int mode = (beta == 0f ? 0 : MergeC) | (bias == null ? 0 : AddBias) | (relu ? ApplyRelu : 0);
        Finish(c00, c, va, vb, bias0, mode);
        Finish(c01, c + 16, va, vb, bias1, mode);
        Finish(c10, c + (1 * ldc), va, vb, bias0, mode);
        Finish(c11, c + (1 * ldc) + 16, va, vb, bias1, mode);
        Finish(c20, c + (2 * ldc), va, vb, bias0, mode);
        Finish(c21, c + (2 * ldc) + 16, va, vb, bias1, mode);
        Finish(c30, c + (3 * ldc), va, vb, bias0, mode);
        Finish(c31, c + (3 * ldc) + 16, va, vb, bias1, mode);
        Finish(c40, c + (4 * ldc), va, vb, bias0, mode);
        Finish(c41, c + (4 * ldc) + 16, va, vb, bias1, mode);
        Finish(c50, c + (5 * ldc), va, vb, bias0, mode);
        Finish(c51, c + (5 * ldc) + 16, va, vb, bias1, mode);
    }

    /// <summary>
    /// Stores one accumulator vector: <c>alpha * acc</c>, plus <c>beta * C</c> (<see cref="MergeC"/>) and the bias
    /// (<see cref="AddBias"/>), then max(0, .) (<see cref="ApplyRelu"/>). The branches depend on the call only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> acc, float* c, Vector512<float> alpha, Vector512<float> beta, Vector512<float> bias, int mode)
    {
        Vector512<float> addend = (mode & MergeC) == 0 ? bias : (mode & AddBias) == 0 ? Vector512.Load(c) * beta : MulAdd(Vector512.Load(c), beta, bias);
        Vector512<float> v = (mode & (MergeC | AddBias)) == 0 ? acc * alpha : MulAdd(acc, alpha, addend);
        if ((mode & ApplyRelu) != 0)
        {
            v = Vector512.Max(v, Vector512<float>.Zero);
        }

        Vector512.Store(v, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MulAdd(Vector512<float> x, Vector512<float> y, Vector512<float> z)
        => Vector512.FusedMultiplyAdd(x, y, z);
}
