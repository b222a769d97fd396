namespace MLNetMixture.Training.Compute;

/// <summary>Which micro-kernel the GEMM engine runs: the SIMD width of its accumulators.</summary>
internal enum GemmVectorWidth
{
    /// <summary>Vector128: a 6x8 tile.</summary>
    Bits128,

    /// <summary>Vector256 (AVX2 + FMA): a 6x16 tile.</summary>
    Bits256,

    /// <summary>Vector512 (AVX-512): a 6x32 tile.</summary>
    Bits512,
}
