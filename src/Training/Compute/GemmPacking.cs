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
    public static void PackA(bool transposeA, float* a, int lda, int i0, int mc, int p0, int kc, float* dst)
    {
        const int mr = GemmKernel.Mr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + ((nint)ir * kc);
            if (transposeA)
            {
                // op(A)[i, p] = a[p * lda + i]: each step reads Mr contiguous values.
                float* src = a + ((nint)p0 * lda) + i0 + ir;
                if (rows == mr)
                {
                    for (int p = 0; p < kc; p++, src += lda, panel += mr)
                    {
                        panel[0] = src[0];
                        panel[1] = src[1];
                        panel[2] = src[2];
                        panel[3] = src[3];
                        panel[4] = src[4];
                        panel[5] = src[5];
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += lda, panel += mr)
                    {
                        for (int r = 0; r < mr; r++)
                        {
                            panel[r] = r < rows ? src[r] : 0f;
                        }
                    }
                }
            }
            else
            {
                // op(A)[i, p] = a[i * lda + p]: interleave Mr rows.
                float* src = a + ((nint)(i0 + ir) * lda) + p0;
                if (rows == mr)
                {
                    float* r0 = src, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                    for (int p = 0; p < kc; p++, panel += mr)
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
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ceil(nc/nr) panels; panel s holds, for each p, the nr values
    /// op(B)[p0 + p, j0 + s*nr + 0..nr] (zero past column nc). Panel s starts at <c>dst + s*nr*kc</c>.
    /// </summary>
    public static void PackB(bool transposeB, float* b, int ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + ((nint)jr * kc);
            if (transposeB)
            {
                // op(B)[p, j] = b[j * ldb + p]: each source row is one column of the panel.
                for (int j = 0; j < nr; j++)
                {
                    float* col = panel + j;
                    if (j < cols)
                    {
                        float* src = b + ((nint)(j0 + jr + j) * ldb) + p0;
                        for (int p = 0; p < kc; p++)
                        {
                            col[(nint)p * nr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
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
}
