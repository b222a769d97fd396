using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// The GEMM engine behind <see cref="Gemm"/>: a cache-blocked, packed algorithm in the Goto/BLIS style.
/// </summary>
/// <remarks>
/// <para>
/// Loop nest per chunk of C (outermost first): columns in blocks of <see cref="Nc"/>; depth in blocks of at most
/// <see cref="Kc"/> (op(B) block packed, meant to sit in L3); rows in blocks of at most <see cref="Mc"/> (op(A) block
/// packed, meant to sit in L2); then Nr-wide op(B) micro-panels (kept in L1) against Mr-tall op(A) micro-panels,
/// each pair handled by a register-blocked micro-kernel (<see cref="IGemmMicroKernel"/>). For chunks at most
/// <see cref="InPlaceAMaxColumns"/> wide, op(A) is not packed: the micro-kernel reads it through its strides.
/// </para>
/// <para>
/// Ragged edges: packed panels are zero-padded to full tiles, and a tile that overhangs C is computed into a scratch
/// tile by the same micro-kernel and copied out, so edge elements get exactly the arithmetic of interior ones.
/// </para>
/// <para>
/// Determinism: C is cut into chunks along one dimension; each chunk is computed by exactly one thread. Every element
/// of C is reduced the same way regardless of the chunking: depth blocks in order (the first merges with beta, later
/// ones add), and within a block one fused multiply-add per step in order. Depth blocking depends only on k, so
/// results are bit-identical for any thread count.
/// </para>
/// </remarks>
internal static unsafe class GemmKernel
{
    /// <summary>Rows of C per micro-tile (every micro-kernel).</summary>
    public const int Mr = 6;

    /// <summary>Largest depth block: a 256 x 16 op(B) micro-panel is 16 KB, half of Zen 3's 32 KB L1d.</summary>
    public const int Kc = 256;

    /// <summary>Largest row block: a 144 x 256 op(A) block is 144 KB, well inside a 512 KB L2.</summary>
    public const int Mc = 144;

    /// <summary>Largest column block: a 256 x 4096 op(B) block is 4 MB per thread, inside a 32 MB L3.</summary>
    public const int Nc = 4096;

    /// <summary>Widest chunk (in columns of C) for which op(A) is read in place rather than packed.</summary>
    public const int InPlaceAMaxColumns = 160;

    /// <summary>The widest micro-kernel this processor runs natively.</summary>
    public static GemmVectorWidth PreferredWidth { get; } =
        Vector512.IsHardwareAccelerated ? GemmVectorWidth.Bits512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmVectorWidth.Bits256
        : GemmVectorWidth.Bits128;

    /// <summary>Runs <c>C = alpha * op(A) * op(B) + beta * C</c> with the micro-kernel <see cref="WidthFor"/> chooses.</summary>
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads)
        => Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, WidthFor(n));

    /// <summary>
    /// The micro-kernel for a product with <paramref name="n"/> columns: <see cref="PreferredWidth"/>, except that a
    /// product at most 16 columns wide runs the 256-bit kernel (16 columns) instead of the 512-bit one (32 columns),
    /// which would compute as many padding columns as real ones. Where a 512-bit FMA costs two 256-bit ones (Zen 4)
    /// this doubles such products' speed; where it costs one (Zen 5, Intel with two 512-bit pipes) both kernels do
    /// the real columns at the same rate. Every element's arithmetic is the same in every kernel, so results do not
    /// depend on the choice.
    /// </summary>
    public static GemmVectorWidth WidthFor(int n)
        => PreferredWidth == GemmVectorWidth.Bits512 && n <= GemmMicroKernel256.Nr ? GemmVectorWidth.Bits256 : PreferredWidth;

    /// <summary>
    /// Runs <c>C = alpha * op(A) * op(B) + beta * C</c> with the given micro-kernel; <paramref name="packA"/> forces
    /// op(A) to be packed (true) or read in place (false) instead of the size-based choice (tests pin both).
    /// </summary>
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads, GemmVectorWidth width, bool? packA = null)
        => Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, width, null, false, packA);

    /// <summary>
    /// Runs <c>C = epilogue(alpha * op(A) * op(B) + beta * C + bias)</c>: <paramref name="bias"/> (n values, or null)
    /// is added to every row in the tile merge, and <paramref name="relu"/> stores max(0, .), so neither needs a pass
    /// of its own over C.
    /// </summary>
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads, GemmVectorWidth width, float* bias, bool relu, bool? packA = null)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        if (k <= 0 || alpha == 0f)
        {
            // No product term (BLAS semantics: alpha = 0 does not read A or B).
            ScaleC(m, n, beta, c, ldc);
            FinishRows(m, n, c, ldc, bias, relu);
            return;
        }

        if (packA is null && width == WidthFor(n) && TransposedIsCheaper(m, n, k, width))
        {
            RunTransposed(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, bias, relu);
            return;
        }

        int nr = NrOf(width);

        // Split the longer side of C among the threads; each thread then packs the other operand's block in full,
        // which costs O(k * shorter side) against O(k * shorter side * longer side / threads) of arithmetic.
        int rowTiles = (m + Mr - 1) / Mr, colTiles = (n + nr - 1) / nr;
        bool splitRows = m >= n;
        int tiles = splitRows ? rowTiles : colTiles;
        int chunks = Math.Clamp(threads, 1, Math.Min(tiles, GemmThreadTeam.MaxChunks));
        var problem = new GemmProblem(
            ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, width, splitRows, tiles, chunks, packA ?? ShouldPackA(splitRows ? n : (n + chunks - 1) / chunks), bias, relu);
        if (chunks == 1)
        {
            RunChunk(in problem, 0);
        }
        else
        {
            GemmThreadTeam.Shared.Execute(in problem);
        }
    }

    /// <summary>Computes chunk <paramref name="chunk"/> of C (of <see cref="GemmProblem.Chunks"/>).</summary>
    public static void RunChunk(in GemmProblem p, int chunk)
    {
        switch (p.Width)
        {
            case GemmVectorWidth.Bits512:
                RunChunk<GemmMicroKernel512>(in p, chunk);
                break;
            case GemmVectorWidth.Bits256:
                RunChunk<GemmMicroKernel256>(in p, chunk);
                break;
            default:
                RunChunk<GemmMicroKernel128>(in p, chunk);
                break;
        }
    }

    private static void RunChunk<TKernel>(in GemmProblem p, int chunk)
        where TKernel : struct, IGemmMicroKernel
    {
        int t0 = (int)((long)p.Tiles * chunk / p.Chunks), t1 = (int)((long)p.Tiles * (chunk + 1) / p.Chunks);
        if (t0 == t1)
        {
            return;
        }

        int rowStart = 0, rowEnd = p.M, colStart = 0, colEnd = p.N;
        if (p.SplitRows)
        {
            rowStart = t0 * Mr;
            rowEnd = Math.Min(p.M, t1 * Mr);
        }
        else
        {
            colStart = t0 * TKernel.Nr;
            colEnd = Math.Min(p.N, t1 * TKernel.Nr);
        }

        Blocked<TKernel>(in p, rowStart, rowEnd, colStart, colEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked<TKernel>(in GemmProblem p, int rowStart, int rowEnd, int colStart, int colEnd)
        where TKernel : struct, IGemmMicroKernel
    {
        int nr = TKernel.Nr;
        int k = p.K;
        int ldc = p.Ldc;

        // Depth blocks depend on k alone (never on the chunk), which keeps the reduction order fixed.
        int kcStep = BalancedStep(k, Kc, 1);
        int rows = rowEnd - rowStart, cols = colEnd - colStart;
        int mcStep = BalancedStep(rows, Mc, Mr);
        int ncStep = BalancedStep(cols, Nc, nr);

        float* packedA = GemmWorkspace.PackedA(mcStep * kcStep);
        float* packedB = GemmWorkspace.PackedB(ncStep * kcStep);
        float* edge = stackalloc float[Mr * 32];

        for (int jc = colStart; jc < colEnd; jc += ncStep)
        {
            int nc = Math.Min(ncStep, colEnd - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                float beta = pc == 0 ? p.Beta : 1f;

                // The epilogue: the bias joins the first depth block's merge, the ReLU the last one's.
                float* bias = pc == 0 ? p.Bias : null;
                bool relu = p.Relu && pc + kc == k;
                GemmPacking.PackB(p.TransposeB, p.B, p.Ldb, pc, kc, jc, nc, nr, packedB);
                for (int ic = rowStart; ic < rowEnd; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, rowEnd - ic);
                    int fullRows = mc - (mc % Mr);
                    if (p.PackA)
                    {
                        GemmPacking.PackA(p.TransposeA, p.A, p.Lda, ic, mc, pc, kc, packedA);
                    }
                    else if (fullRows < mc)
                    {
                        // Read op(A) in place, except the ragged last rows: the kernel always reads Mr rows.
                        GemmPacking.PackA(p.TransposeA, p.A, p.Lda, ic + fullRows, mc - fullRows, pc, kc, packedA);
                    }

                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int ncols = Math.Min(nr, nc - jr);
                        float* bPanel = packedB + ((nint)jr * kc);
                        for (int ir = 0; ir < mc; ir += Mr)
                        {
                            float* aPanel;
                            nint rowStride, depthStride;
                            if (p.PackA)
                            {
                                aPanel = packedA + ((nint)ir * kc);
                                (rowStride, depthStride) = (1, Mr);
                            }
                            else if (ir < fullRows)
                            {
                                aPanel = p.TransposeA
                                    ? p.A + ((nint)pc * p.Lda) + ic + ir
                                    : p.A + ((nint)(ic + ir) * p.Lda) + pc;
                                (rowStride, depthStride) = p.TransposeA ? (1, p.Lda) : (p.Lda, 1);
                            }
                            else
                            {
                                aPanel = packedA;
                                (rowStride, depthStride) = (1, Mr);
                            }

                            int nrows = Math.Min(Mr, mc - ir);
                            float* cTile = p.C + ((nint)(ic + ir) * ldc) + jc + jr;
                            float* tileBias = bias == null ? null : bias + jc + jr;
                            if (nrows == Mr && ncols == nr)
                            {
                                TKernel.Compute(kc, aPanel, rowStride, depthStride, bPanel, cTile, ldc, p.Alpha, beta, tileBias, relu);
                            }
                            else
                            {
                                EdgeTile<TKernel>(kc, aPanel, rowStride, depthStride, bPanel, cTile, ldc, p.Alpha, beta, tileBias, relu, nrows, ncols, edge);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Most elements of C computed transposed (the scratch of <see cref="RunTransposed"/>: 256 KB).</summary>
    public const int TransposedMaxElements = 1 << 16;

    /// <summary>
    /// What merging one element of a transposed product into C costs, in the unit of the tile estimate (one lane of
    /// one fused multiply-add): the 8 x 8 transposes and the epilogue take about a cycle per element, in which a
    /// core does 16 lanes of multiply-adds.
    /// </summary>
    private const int TransposedMergeCost = 16;

    private static int NrOf(GemmVectorWidth width) => width switch
    {
        GemmVectorWidth.Bits512 => GemmMicroKernel512.Nr,
        GemmVectorWidth.Bits256 => GemmMicroKernel256.Nr,
        _ => GemmMicroKernel128.Nr,
    };

    /// <summary>
    /// Whether computing C transposed (<c>C^T = op(B)^T op(A)^T</c>, then merged) does less work: for C with few
    /// columns that fill the micro-tiles badly and many rows, e.g. a flow conditioner's 44 outputs (64 lanes of tiles,
    /// 45% padding) or the 21-column gradient of its first layer's weights, where the transposed product pads 44
    /// rows to 48 instead. Work counts the tiles' lanes times the depth, plus the merge. Only for one depth block
    /// (k at most <see cref="Kc"/>, so each element is one sum merged once and the result is bit-identical) and at most
    /// <see cref="TransposedMaxElements"/> elements.
    /// </summary>
    internal static bool TransposedIsCheaper(int m, int n, int k, GemmVectorWidth width)
    {
        if (k > Kc || (long)m * n > TransposedMaxElements || !Fma.IsSupported || !Avx.IsSupported)
        {
            return false; // (the merge's fused multiply-adds must be the micro-kernels')
        }

        int nr = NrOf(width), nrTransposed = NrOf(WidthFor(m));
        long direct = Tiles(m, Mr) * Tiles(n, nr) * Mr * nr * k;
        long transposed = (Tiles(n, Mr) * Tiles(m, nrTransposed) * Mr * nrTransposed * k) + ((long)TransposedMergeCost * m * n);
        return transposed * 10 < direct * 9;

        static long Tiles(int extent, int tile) => (extent + tile - 1) / tile;
    }

    /// <summary>
    /// C = epilogue(alpha * op(A) op(B) + beta * C + bias) computed as T = op(B)^T op(A)^T (the raw sums: alpha 1, beta
    /// 0, no epilogue) into a scratch buffer, then merged into C with the micro-kernels' epilogue arithmetic, element
    /// for element: the result is bit-identical to the direct product's.
    /// </summary>
    private static void RunTransposed(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads, float* bias, bool relu)
    {
        float* t = GemmWorkspace.Transposed(m * n);
        Run(!tb, !ta, n, m, k, 1f, b, ldb, a, lda, 0f, t, m, threads, WidthFor(m), null, false, packA: ShouldPackA(m));
        MergeTransposed(m, n, t, c, ldc, alpha, beta, bias, relu);
    }

    /// <summary>C[i, j] = epilogue(T[j, i]) for T [n, m]: 8 x 8 blocks transposed in registers, the edges one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeTransposed(int m, int n, float* t, float* c, int ldc, float alpha, float beta, float* bias, bool relu)
    {
        float* block = stackalloc float[64];
        int i = 0;
        if (Avx.IsSupported && Fma.IsSupported)
        {
            for (; i + 8 <= m; i += 8)
            {
                int j = 0;
                for (; j + 8 <= n; j += 8)
                {
                    // Row q of the block is C[i + q, j .. j + 7].
                    GemmPacking.Transpose8x8(t + ((nint)j * m) + i, m, block, 8);
                    for (int q = 0; q < 8; q++)
                    {
                        float* target = c + ((nint)(i + q) * ldc) + j;
                        var acc = Vector256.Load(block + (8 * q));
                        var biasVector = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + j);
                        Vector256<float> v = beta == 0f
                            ? (bias == null ? acc * alpha : Vector256.FusedMultiplyAdd(acc, Vector256.Create(alpha), biasVector))
                            : Vector256.FusedMultiplyAdd(acc, Vector256.Create(alpha), bias == null ? Vector256.Load(target) * beta : Vector256.FusedMultiplyAdd(Vector256.Load(target), Vector256.Create(beta), biasVector));
                        if (relu)
                        {
                            v = Vector256.Max(v, Vector256<float>.Zero);
                        }

                        Vector256.Store(v, target);
                    }
                }

                for (; j < n; j++)
                {
                    for (int q = 0; q < 8; q++)
                    {
                        MergeOne(t[((nint)j * m) + i + q], c + ((nint)(i + q) * ldc) + j, alpha, beta, bias == null ? null : bias + j, relu);
                    }
                }
            }
        }

        for (; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                MergeOne(t[((nint)j * m) + i], c + ((nint)i * ldc) + j, alpha, beta, bias == null ? null : bias + j, relu);
            }
        }
    }

    /// <summary>One element of <see cref="MergeTransposed"/>, with the vector epilogue's operations on one lane.</summary>
    private static void MergeOne(float acc, float* target, float alpha, float beta, float* bias, bool relu)
    {
        float v = beta == 0f
            ? (bias == null ? acc * alpha : MathF.FusedMultiplyAdd(acc, alpha, *bias))
            : MathF.FusedMultiplyAdd(acc, alpha, bias == null ? *target * beta : MathF.FusedMultiplyAdd(*target, beta, *bias));
        *target = relu ? Vector128.Max(Vector128.CreateScalarUnsafe(v), Vector128<float>.Zero).ToScalar() : v;
    }

    /// <summary>
    /// A ragged tile: staged through a full-size scratch tile and run through the same micro-kernel, so its elements
    /// get exactly the arithmetic they would get inside a full tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile<TKernel>(int kc, float* a, nint rowStrideA, nint depthStrideA, float* b, float* c, int ldc, float alpha, float beta, float* bias, bool relu, int rows, int cols, float* scratch)
        where TKernel : struct, IGemmMicroKernel
    {
        int nr = TKernel.Nr;
        float* paddedBias = stackalloc float[32];
        if (bias != null)
        {
            // The kernel reads Nr bias values: the tile's, then zeros.
            new Span<float>(paddedBias, nr).Clear();
            CopyShort(bias, paddedBias, cols);
            bias = paddedBias;
        }

        if (beta != 0f)
        {
            for (int r = 0; r < rows; r++)
            {
                CopyShort(c + ((nint)r * ldc), scratch + (r * nr), cols);
            }
        }

        TKernel.Compute(kc, a, rowStrideA, depthStrideA, b, scratch, nr, alpha, beta, bias, relu);
        for (int r = 0; r < rows; r++)
        {
            CopyShort(scratch + (r * nr), c + ((nint)r * ldc), cols);
        }
    }

    /// <summary>Copies a short run (at most a tile row) between non-overlapping buffers, with overlapping vector moves at the tail.</summary>
    private static void CopyShort(float* src, float* dst, int count)
    {
        if (count >= 8)
        {
            int i = 0;
            for (; i + 8 <= count; i += 8)
            {
                Vector256.Store(Vector256.Load(src + i), dst + i);
            }

            if (i < count)
            {
                Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
            }
        }
        else if (count >= 4)
        {
            Vector128.Store(Vector128.Load(src), dst);
            Vector128.Store(Vector128.Load(src + count - 4), dst + count - 4);
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                dst[i] = src[i];
            }
        }
    }

    /// <summary>
    /// Whether packing op(A) pays for itself. A packed op(A) block is reused once per Nr columns of the chunk; when a
    /// chunk has few columns (the skinny products of MLP training: 43 or 128 outputs), packing costs more than the
    /// in-place reads it saves, so the micro-kernel reads op(A) through its strides. Wider chunks pack.
    /// </summary>
    private static bool ShouldPackA(int chunkColumns) => chunkColumns > InPlaceAMaxColumns;

    /// <summary>The step that cuts <paramref name="extent"/> into the fewest blocks of at most <paramref name="max"/>, as even as possible, rounded up to <paramref name="multiple"/>.</summary>
    private static int BalancedStep(int extent, int max, int multiple)
    {
        int blocks = Math.Max(1, (extent + max - 1) / max);
        int step = (extent + blocks - 1) / blocks;
        return Math.Max(multiple, (step + multiple - 1) / multiple * multiple);
    }

    /// <summary>Adds the bias to every row and applies the ReLU (the epilogue when there is no product term).</summary>
    private static void FinishRows(int m, int n, float* c, int ldc, float* bias, bool relu)
    {
        for (int i = 0; i < m && (bias != null || relu); i++)
        {
            var row = new Span<float>(c + ((nint)i * ldc), n);
            if (bias != null)
            {
                TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias, n), row);
            }

            if (relu)
            {
                TensorPrimitives.Max(row, 0f, row);
            }
        }
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1f)
        {
            return;
        }

        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + ((nint)i * ldc), n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }
}
