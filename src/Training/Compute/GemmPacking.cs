using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through. Packing is where the
/// four transpose combinations are absorbed: after it, every case is the same contiguous kernel. Panels are padded
/// with zeros to full tile size, so ragged edges never need a separate arithmetic path.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] as ceil(mc/Mr) panels; panel r holds, for each p, the Mr values
    /// op(A)[i0 + r*Mr + 0..Mr, p0 + p] (zero past row mc). Panel r starts at <c>dst + r*Mr*kc</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transposeA, float* a, int lda, int i0, int mc, int p0, int kc, float* dst)
    {
        const int mr = GemmKernel.Mr;
        if (transposeA)
        {
            // op(A)[i, p] = a[p * lda + i]: walk each stored row once, dealing its Mr-runs out to the panels.
            int full = mc - (mc % mr);
            for (int p = 0; p < kc; p++)
            {
                float* src = a + ((nint)(p0 + p) * lda) + i0;
                float* dstStep = dst + (p * mr);
                for (int ir = 0; ir < full; ir += mr)
                {
                    float* panel = dstStep + ((nint)ir * kc);
                    Vector128.Store(Vector128.Load(src + ir), panel);
                    *(long*)(panel + 4) = *(long*)(src + ir + 4);
                }

                if (full < mc)
                {
                    float* panel = dstStep + ((nint)full * kc);
                    for (int r = 0; r < mr; r++)
                    {
                        panel[r] = full + r < mc ? src[full + r] : 0f;
                    }
                }
            }

            return;
        }

        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + ((nint)ir * kc);

            // op(A)[i, p] = a[i * lda + p]: interleave Mr rows.
            float* src = a + ((nint)(i0 + ir) * lda) + p0;
            if (rows == mr)
            {
                float* r0 = src, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                int p = 0;
                if (Avx.IsSupported)
                {
                    // 8 depth steps at a time: a 6 x 8 block transposed in registers (two rows are filler), each
                    // step stored 8 wide; the 2 filler lanes are overwritten by the next step's store (the last
                    // ones land in the next panel or the workspace's slack before being overwritten or ignored).
                    for (; p + 8 <= kc; p += 8, panel += 8 * mr)
                    {
                        Transpose8x8(
                            Avx.LoadVector256(r0 + p), Avx.LoadVector256(r1 + p), Avx.LoadVector256(r2 + p), Avx.LoadVector256(r3 + p),
                            Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p), Vector256<float>.Zero, Vector256<float>.Zero,
                            panel,
                            mr);
                    }
                }

                for (; p < kc; p++, panel += mr)
                {
                    panel[0] = r0[p];
                    panel[1] = r1[p];
                    panel[2] = r2[p];
                    panel[3] = r3[p];
                    panel[4] = r4[p];
                    panel[5] = r5[p];
                }
            }
            else
            {
                for (int r = 0; r < mr; r++)
                {
                    float* row = src + ((nint)r * lda);
                    for (int p = 0; p < kc; p++)
                    {
                        panel[(p * mr) + r] = r < rows ? row[p] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ceil(nc/nr) panels; panel s holds, for each p, the nr values
    /// op(B)[p0 + p, j0 + s*nr + 0..nr] (zero past column nc). Panel s starts at <c>dst + s*nr*kc</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transposeB, float* b, int ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + ((nint)jr * kc);
            if (transposeB)
            {
                // op(B)[p, j] = b[j * ldb + p]: each source row is one column of the panel.
                float* rows = b + ((nint)(j0 + jr) * ldb) + p0;
                int done = 0;
                if (Avx.IsSupported && cols == nr && nr % 8 == 0)
                {
                    // Full panel: 8 x 8 register transposes, then a scalar tail in depth.
                    for (; done + 8 <= kc; done += 8)
                    {
                        for (int j = 0; j < nr; j += 8)
                        {
                            Transpose8x8(rows + ((nint)j * ldb) + done, ldb, panel + ((nint)done * nr) + j, nr);
                        }
                    }
                }

                for (int j = 0; j < nr; j++)
                {
                    float* col = panel + j;
                    if (j < cols)
                    {
                        float* src = rows + ((nint)j * ldb);
                        for (int p = done; p < kc; p++)
                        {
                            col[(nint)p * nr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = done; p < kc; p++)
                        {
                            col[(nint)p * nr] = 0f;
                        }
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[p * ldb + j]: each step copies a contiguous run of the row.
                float* src = b + ((nint)p0 * ldb) + j0 + jr;
                for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                {
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(panel, cols));
                    if (cols < nr)
                    {
                        new Span<float>(panel + cols, nr - cols).Clear();
                    }
                }
            }
        }
    }

    /// <summary>Writes the transpose of the 8 x 8 block at <paramref name="src"/> (row stride <paramref name="ldSrc"/>) to <paramref name="dst"/> (row stride <paramref name="ldDst"/>).</summary>
    internal static void Transpose8x8(float* src, int ldSrc, float* dst, int ldDst)
    {
        nint ls = ldSrc;
        Transpose8x8(
            Avx.LoadVector256(src), Avx.LoadVector256(src + ls), Avx.LoadVector256(src + (2 * ls)), Avx.LoadVector256(src + (3 * ls)),
            Avx.LoadVector256(src + (4 * ls)), Avx.LoadVector256(src + (5 * ls)), Avx.LoadVector256(src + (6 * ls)), Avx.LoadVector256(src + (7 * ls)),
            dst,
            ldDst);
    }

    /// <summary>Stores column q of the 8 x 8 block with rows r0..r7 as 8 contiguous floats at <c>dst + q * ldDst</c>, for q = 0..7 in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, int ldDst)
    {
        nint ld = ldDst;

        // Interleave pairs of rows, then pairs of pairs: within each 128-bit half, u(q) holds column q of 4 rows.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join rows 0-3 (u0..u3) with rows 4-7 (u4..u7): low halves give columns 0-3, high halves columns 4-7.
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ld, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * ld), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * ld), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * ld), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * ld), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * ld), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * ld), Avx.Permute2x128(u3, u7, 0x31));
    }
}
