using System.Runtime.Intrinsics;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>What a benchmark ran on: logical cores and the widest SIMD the JIT uses.</summary>
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

    /// <summary>One line naming the machine, e.g. "2 cores, AVX2 (Vector256)".</summary>
    public static string Summary => $"{Cores} cores, {Simd}";
}
