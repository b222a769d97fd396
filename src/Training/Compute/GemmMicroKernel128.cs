using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MLNetMixture.Training.Compute;

/// <summary>GEMM micro-kernel on Vector128: a 6x8 tile held in twelve Vector128&lt;float&gt; accumulators. The fallback for processors without 256-bit SIMD; fused only where the hardware fuses.</summary>
internal readonly unsafe struct GemmMicroKernel128 : IGemmMicroKernel
{
    /// <inheritdoc/>
    public static int Nr => 8;

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
            Sse.Prefetch0(c + 7);
            Sse.Prefetch0(c + (1 * ldc));
            Sse.Prefetch0(c + (1 * ldc) + 7);
            Sse.Prefetch0(c + (2 * ldc));
            Sse.Prefetch0(c + (2 * ldc) + 7);
            Sse.Prefetch0(c + (3 * ldc));
            Sse.Prefetch0(c + (3 * ldc) + 7);
            Sse.Prefetch0(c + (4 * ldc));
            Sse.Prefetch0(c + (4 * ldc) + 7);
            Sse.Prefetch0(c + (5 * ldc));
            Sse.Prefetch0(c + (5 * ldc) + 7);
        }

        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> a0 = Vector128.Create(row0[offset]);
            c00 = MulAdd(a0, b0, c00);
            c01 = MulAdd(a0, b1, c01);
            Vector128<float> a1 = Vector128.Create(row1[offset]);
            c10 = MulAdd(a1, b0, c10);
            c11 = MulAdd(a1, b1, c11);
            Vector128<float> a2 = Vector128.Create(row2[offset]);
            c20 = MulAdd(a2, b0, c20);
            c21 = MulAdd(a2, b1, c21);
            Vector128<float> a3 = Vector128.Create(row3[offset]);
            c30 = MulAdd(a3, b0, c30);
            c31 = MulAdd(a3, b1, c31);
            Vector128<float> a4 = Vector128.Create(row4[offset]);
            c40 = MulAdd(a4, b0, c40);
            c41 = MulAdd(a4, b1, c41);
            Vector128<float> a5 = Vector128.Create(row5[offset]);
            c50 = MulAdd(a5, b0, c50);
            c51 = MulAdd(a5, b1, c51);
            offset += depthStrideA;
            b += 8;
        }

        Vector128<float> va = Vector128.Create(alpha);
        Vector128<float> vb = Vector128.Create(beta);
        Vector128<float> bias0 = bias == null ? default : Vector128.Load(bias);
        Vector128<float> bias1 = bias == null ? default : Vector128.Load(bias + 4);
        int mode = (beta == 0f ? 0 : MergeC) | (bias == null ? 0 : AddBias) | (relu ? ApplyRelu : 0);
        Finish(c00, c, va, vb, bias0, mode);
        Finish(c01, c + 4, va, vb, bias1, mode);
        Finish(c10, c + (1 * ldc), va, vb, bias0, mode);
        Finish(c11, c + (1 * ldc) + 4, va, vb, bias1, mode);
        Finish(c20, c + (2 * ldc), va, vb, bias0, mode);
        Finish(c21, c + (2 * ldc) + 4, va, vb, bias1, mode);
        Finish(c30, c + (3 * ldc), va, vb, bias0, mode);
        Finish(c31, c + (3 * ldc) + 4, va, vb, bias1, mode);
        Finish(c40, c + (4 * ldc), va, vb, bias0, mode);
        Finish(c41, c + (4 * ldc) + 4, va, vb, bias1, mode);
        Finish(c50, c + (5 * ldc), va, vb, bias0, mode);
        Finish(c51, c + (5 * ldc) + 4, va, vb, bias1, mode);
    }

    /// <summary>
    /// Stores one accumulator vector: <c>alpha * acc</c>, plus <c>beta * C</c> (<see cref="MergeC"/>) and the bias
    /// (<see cref="AddBias"/>), then max(0, .) (<see cref="ApplyRelu"/>). The branches depend on the call only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector128<float> acc, float* c, Vector128<float> alpha, Vector128<float> beta, Vector128<float> bias, int mode)
    {
        Vector128<float> addend = (mode & MergeC) == 0 ? bias : (mode & AddBias) == 0 ? Vector128.Load(c) * beta : MulAdd(Vector128.Load(c), beta, bias);
        Vector128<float> v = (mode & (MergeC | AddBias)) == 0 ? acc * alpha : MulAdd(acc, alpha, addend);
        if ((mode & ApplyRelu) != 0)
        {
            v = Vector128.Max(v, Vector128<float>.Zero);
        }

        Vector128.Store(v, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MulAdd(Vector128<float> x, Vector128<float> y, Vector128<float> z)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector128.FusedMultiplyAdd(x, y, z) : (x * y) + z;
}
