using MLNetMixture.Training.Compute;

namespace MLNetMixture.Benchmarks;

/// <summary>One GEMM problem with its operands allocated: C[m,n] = op(A) op(B) + beta C, dense leading dimensions.</summary>
public sealed class GemmCase
{
    /// <summary>Creates the problem and fills its operands with deterministic values in [-1, 1].</summary>
    public GemmCase(string label, bool transposeA, bool transposeB, int m, int n, int k, float beta)
    {
        Label = label;
        TransposeA = transposeA;
        TransposeB = transposeB;
        M = m;
        N = n;
        K = k;
        Beta = beta;
        var random = new Random(1234);
        A = Fill(random, m * k);
        B = Fill(random, k * n);
        C = new float[m * n];
    }

    /// <summary>What the product is (direction and transpose variant).</summary>
    public string Label { get; }

    /// <summary>Whether A is stored [K, M].</summary>
    public bool TransposeA { get; }

    /// <summary>Whether B is stored [N, K].</summary>
    public bool TransposeB { get; }

    /// <summary>Rows of C.</summary>
    public int M { get; }

    /// <summary>Columns of C.</summary>
    public int N { get; }

    /// <summary>Reduction depth.</summary>
    public int K { get; }

    /// <summary>Scale of the existing C (1 for gradient accumulation).</summary>
    public float Beta { get; }

    /// <summary>Floating-point operations per call: 2 M N K.</summary>
    public double Flops => 2.0 * M * N * K;

    private float[] A { get; }

    private float[] B { get; }

    private float[] C { get; }

    private int Lda => TransposeA ? M : K;

    private int Ldb => TransposeB ? K : N;

    /// <summary>Runs the product once with our GEMM.</summary>
    public void Run(int threads) => Gemm.Multiply(TransposeA, TransposeB, M, N, K, 1f, A, Lda, B, Ldb, Beta, C, N, threads);

    /// <summary>Runs the same product once with OpenBLAS (its thread count is set on <paramref name="openBlas"/>).</summary>
    public void RunReference(OpenBlasReference openBlas) => openBlas.Multiply(TransposeA, TransposeB, M, N, K, 1f, A, Lda, B, Ldb, Beta, C, N);

    private static float[] Fill(Random random, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
