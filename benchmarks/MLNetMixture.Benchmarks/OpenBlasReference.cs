using System.Runtime.InteropServices;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c>, loaded at run time from the system (Debian: <c>libopenblas0-pthread</c>) so the quick
/// sweep can time it batch-for-batch against ours in the same process. Absent library: <see cref="TryLoad"/> is null.
/// </summary>
public sealed unsafe class OpenBlasReference
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private readonly delegate* unmanaged<int, void> setThreads;
    private readonly delegate* unmanaged<byte*> getConfig;

    private OpenBlasReference(nint library)
    {
        sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(library, "cblas_sgemm");
        setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
        getConfig = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(library, "openblas_get_config");
    }

    /// <summary>OpenBLAS's build description (version, target core, threading).</summary>
    public string Config => Marshal.PtrToStringAnsi((nint)getConfig()) ?? "?";

    /// <summary>Loads OpenBLAS, or returns null when it is not installed.</summary>
    public static OpenBlasReference? TryLoad()
    {
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
        {
            if (NativeLibrary.TryLoad(name, out nint library))
            {
                return new OpenBlasReference(library);
            }
        }

        return null;
    }

    /// <summary>Sets OpenBLAS's thread count.</summary>
    public void SetThreads(int threads) => setThreads(threads);

    /// <summary>Row-major <c>C = alpha op(A) op(B) + beta C</c>, the same contract as <c>Gemm.Multiply</c>.</summary>
    public void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            sgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }
}
