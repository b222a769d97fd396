namespace MLNetMixture.Training.Compute;

/// <summary>
/// One GEMM call as the engine sees it, plus how C is cut into chunks: either bands of rows (multiples of
/// <see cref="GemmKernel.Mr"/>) or bands of columns (multiples of the micro-kernel's Nr). Each chunk is computed
/// entirely by one thread.
/// </summary>
internal readonly unsafe struct GemmProblem
{
    public GemmProblem(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc, GemmVectorWidth width, bool splitRows, int tiles, int chunks, bool packA, float* bias = null, bool relu = false)
    {
        Bias = bias;
        Relu = relu;
        TransposeA = transposeA;
        TransposeB = transposeB;
        M = m;
        N = n;
        K = k;
        Alpha = alpha;
        A = a;
        Lda = lda;
        B = b;
        Ldb = ldb;
        Beta = beta;
        C = c;
        Ldc = ldc;
        Width = width;
        SplitRows = splitRows;
        Tiles = tiles;
        Chunks = chunks;
        PackA = packA;
    }

    public bool TransposeA { get; }

    public bool TransposeB { get; }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public float Alpha { get; }

    public float* A { get; }

    public int Lda { get; }

    public float* B { get; }

    public int Ldb { get; }

    public float Beta { get; }

    public float* C { get; }

    public int Ldc { get; }

    public GemmVectorWidth Width { get; }

    /// <summary>True: chunks are bands of rows; false: bands of columns.</summary>
    public bool SplitRows { get; }

    /// <summary>Micro-tiles along the split dimension.</summary>
    public int Tiles { get; }

    /// <summary>Number of chunks the split dimension is cut into.</summary>
    public int Chunks { get; }

    /// <summary>True: op(A) blocks are packed; false: the micro-kernel reads op(A) in place through strides.</summary>
    public bool PackA { get; }

    /// <summary>Values added to C's columns (one per column), or null; added once, with the first depth block.</summary>
    public float* Bias { get; }

    /// <summary>Whether C ends as max(0, .), applied with the last depth block.</summary>
    public bool Relu { get; }
}
