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
    /// <see cref="SimdBits"/> (every x86 core this project runs on has two), each lane two operations.
    /// </summary>
    public static int FlopsPerCycle => SimdBits / 32 * 2 * (Fma.IsSupported || SimdBits == 512 ? 2 : 1);

    /// <summary>The assumed float32 peak of one core in GFLOP/s (<see cref="FlopsPerCycle"/> x <see cref="Gigahertz"/>).</summary>
    public static double PeakGflopsPerCore => FlopsPerCycle * Gigahertz;

    /// <summary>One line naming the machine, e.g. "2 cores, AVX2 (Vector256)".</summary>
    public static string Summary => $"{Cores} cores, {Simd}";

    /// <summary>
    /// One line with the CPU and the peak assumed, e.g. "AMD EPYC, 2 cores, AVX-512 (Vector512); assumed fp32 peak
    /// 64 FLOP/cycle x 2.45 GHz = 157 GFLOP/s per core".
    /// </summary>
    public static string PeakSummary =>
        $"{CpuName}, {Summary}; assumed fp32 peak {FlopsPerCycle} FLOP/cycle x {Gigahertz:F2} GHz = {PeakGflopsPerCore:F0} GFLOP/s per core";

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
