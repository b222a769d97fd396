namespace MLNetMixture.Benchmarks;

/// <summary>The GEMM problems measured by the benchmarks and the OpenBLAS reference script.</summary>
public static class GemmShapes
{
    /// <summary>(M, K, N) of the forward product C[M,N] = A[M,K] * B[K,N]: MLP layer sizes at batch M.</summary>
    public static readonly (int M, int K, int N)[] Forward =
    [
        (512, 43, 128), (512, 128, 128), (512, 128, 43), (1024, 256, 256), (4096, 1024, 1024),
    ];

    /// <summary>
    /// The four products a dense layer issues for one forward (M, K, N): the forward as NN and as NT (weights stored
    /// [N, K], as the tape's Linear does), the input gradient dX[M,K] = G[M,N] * W[N,K] (NN), and the weight gradient
    /// dW[N,K] += G[M,N]^T * X[M,K] (TN, a reduction over the batch).
    /// </summary>
    public static IEnumerable<GemmCase> LayerCases(int m, int k, int n)
    {
        yield return new GemmCase("fwd NN", false, false, m, n, k, 0f);
        yield return new GemmCase("fwd NT", false, true, m, n, k, 0f);
        yield return new GemmCase("dX  NN", false, false, m, k, n, 1f);
        yield return new GemmCase("dW  TN", true, false, n, k, m, 1f);
    }
}
