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
    private readonly delegate* unmanaged<byte*> getCorename;

    private OpenBlasReference(nint library)
    {
        sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(library, "cblas_sgemm");
        setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
        getConfig = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(library, "openblas_get_config");
        getCorename = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(library, "openblas_get_corename");
    }

    /// <summary>The variables that pin OpenBLAS to an older kernel; <see cref="TryLoad"/> removes them from this process first.</summary>
    public static IReadOnlyList<string> PinningVariables { get; } = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    /// <summary>The pinning variables that were set when OpenBLAS was loaded, as NAME=value, so the run can say it unset them.</summary>
    public static IReadOnlyList<string> UnsetPinning { get; private set; } = [];

    /// <summary>The kernel OpenBLAS chose for this CPU (e.g. SkylakeX, Zen, Haswell).</summary>
    public string Kernel => Marshal.PtrToStringAnsi((nint)getCorename()) ?? "?";

    /// <summary>OpenBLAS's build description (version, target core, threading).</summary>
    public string Config => Marshal.PtrToStringAnsi((nint)getConfig()) ?? "?";

    /// <summary>
    /// Loads OpenBLAS at its best on this CPU, or returns null when it is not installed. OpenBLAS reads
    /// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE from the native environment when it loads, so they are removed from this
    /// benchmark process first (libc's unsetenv: .NET's Environment.SetEnvironmentVariable does not reach it); our own
    /// code does not use OpenBLAS, and nothing outside this process changes.
    /// </summary>
    public static OpenBlasReference? TryLoad()
    {
        if (!OperatingSystem.IsWindows())
        {
            UnsetPinning = [.. PinningVariables.Where(v => Environment.GetEnvironmentVariable(v) is not null).Select(v => $"{v}={Environment.GetEnvironmentVariable(v)}")];
            foreach (string variable in PinningVariables)
            {
                _ = Unsetenv(variable);
            }
        }

        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
        {
            if (NativeLibrary.TryLoad(name, out nint library))
            {
                return new OpenBlasReference(library);
            }
        }

        return null;
    }

    [DllImport("libc", EntryPoint = "unsetenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Unsetenv(string name);

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
