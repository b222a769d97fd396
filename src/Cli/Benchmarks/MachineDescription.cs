using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>
/// What a benchmark ran on: the CPU's name, logical cores, the widest SIMD the JIT uses, and the float32 peak that
/// speed figures are compared with.
/// </summary>
public static class MachineDescription
{
    /// <summary>Logical cores.</summary>
    public static int Cores => Environment.ProcessorCount;

    /// <summary>The widest hardware-accelerated vector width: AVX-512 (Vector512), AVX2 (Vector256), 128-bit or none.</summary>
    public static string Simd =>
        Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)"
        : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)"
        : Vector128.IsHardwareAccelerated ? "128-bit (Vector128)"
        : "none";

    /// <summary>The SIMD width in bits that <see cref="Simd"/> names (0 when none).</summary>
    public static int SimdBits =>
        Vector512.IsHardwareAccelerated ? 512
        : Vector256.IsHardwareAccelerated ? 256
        : Vector128.IsHardwareAccelerated ? 128
        : 0;

    /// <summary>The CPU's model name from /proc/cpuinfo, or "unknown CPU" elsewhere.</summary>
    public static string CpuName => CpuInfo("model name") ?? "unknown CPU";

    /// <summary>The clock in GHz that /proc/cpuinfo reports (nominal on most virtual machines), or 0 when unknown.</summary>
    public static double Gigahertz =>
        double.TryParse(CpuInfo("cpu MHz"), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) ? mhz / 1000 : 0;

    /// <summary>
    /// Float32 operations one core can retire per cycle, as assumed for the peak: two fused multiply-add pipes of
    /// <see cref="SimdBits"/> (every x86 core this project runs on has two), each lane two operations; except on AMD
    /// family 19h with AVX-512 (Zen 4), whose two pipes are 256 bits wide and take a 512-bit operation in two halves.
    /// </summary>
    public static int FlopsPerCycle => (IsZen4 ? 256 : SimdBits) / 32 * 2 * (Fma.IsSupported || SimdBits == 512 ? 2 : 1);

    /// <summary>The assumed float32 peak of one core in GFLOP/s (<see cref="FlopsPerCycle"/> x <see cref="Gigahertz"/>).</summary>
    public static double PeakGflopsPerCore => FlopsPerCycle * Gigahertz;

    /// <summary>
    /// The float32 peak of one core as measured (once per process, about 0.2 s): the best of 20 short runs of 12
    /// independent fused multiply-add chains in the widest vectors, 512- and 256-bit. It includes the clock the core
    /// really runs at (turbo), which the nominal <see cref="Gigahertz"/> of a virtual machine does not; on a shared
    /// machine the best run is the one least disturbed. 0 without hardware fused multiply-add.
    /// </summary>
    public static double MeasuredPeakGflopsPerCore => MeasuredPeak.Value;

    /// <summary>The peak that achieved rates are compared with: <see cref="MeasuredPeakGflopsPerCore"/>, or the assumed one where it cannot be measured.</summary>
    public static double ReferencePeakGflopsPerCore => MeasuredPeakGflopsPerCore > 0 ? MeasuredPeakGflopsPerCore : PeakGflopsPerCore;

    /// <summary><paramref name="gflops"/> as a percentage of <paramref name="cores"/> cores' <see cref="ReferencePeakGflopsPerCore"/>.</summary>
    /// <param name="gflops">An achieved rate.</param>
    /// <param name="cores">Cores it used.</param>
    public static double PercentOfPeak(double gflops, int cores) => 100 * gflops / (ReferencePeakGflopsPerCore * Math.Max(1, cores));

    /// <summary>One line naming the machine, e.g. "2 cores, AVX2 (Vector256)".</summary>
    public static string Summary => $"{Cores} cores, {Simd}";

    /// <summary>
    /// One line with the CPU and the peak assumed, e.g. "AMD EPYC, 2 cores, AVX-512 (Vector512); assumed fp32 peak
    /// 64 FLOP/cycle x 2.45 GHz = 157 GFLOP/s per core".
    /// </summary>
    public static string PeakSummary =>
        $"{CpuName}, {Summary}; assumed fp32 peak {FlopsPerCycle} FLOP/cycle x {Gigahertz:F2} GHz = {PeakGflopsPerCore:F0} GFLOP/s per core; measured FMA peak {MeasuredPeakGflopsPerCore:F0} GFLOP/s per core";

    private static readonly Lazy<double> MeasuredPeak = new(MeasurePeak);

    private static bool IsZen4 =>
        SimdBits == 512 && CpuInfo("vendor_id") == "AuthenticAMD" && CpuInfo("cpu family") == "25";

    private static double MeasurePeak()
    {
        if (!Fma.IsSupported)
        {
            return 0;
        }

        const long steps = 200_000;
        double best = 0;
        for (int run = 0; run < 20; run++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            float sink = Vector512.IsHardwareAccelerated ? Chains512(steps) : 0f;
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (Vector512.IsHardwareAccelerated && sink != 0f)
            {
                best = Math.Max(best, steps * 12 * 32 / seconds / 1e9);
            }

            start = System.Diagnostics.Stopwatch.GetTimestamp();
            sink = Chains256(steps);
            seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (sink != 0f)
            {
                best = Math.Max(best, steps * 12 * 16 / seconds / 1e9);
            }
        }

        return best;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long steps)
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(1e-3f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b);
            c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b);
            c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b);
            c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b);
            c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b);
            c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }

        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long steps)
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(1e-3f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < steps; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b);
            c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b);
            c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b);
            c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b);
            c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b);
            c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b);
            c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }

        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }

    private static string? CpuInfo(string key)
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
