using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// Per-thread packing buffers for the GEMM engine: pinned, 64-byte aligned, grown on demand and then reused, so
/// steady-state calls allocate nothing. A thread's buffers are collected with the thread.
/// </summary>
internal static unsafe class GemmWorkspace
{
    private const int AlignFloats = 16;

    /// <summary>Floats usable past the requested length: packing may spill a few lanes of filler there.</summary>
    private const int SlackFloats = 16;

    [ThreadStatic]
    private static float[]? packedA;

    [ThreadStatic]
    private static float[]? packedB;

    [ThreadStatic]
    private static float[]? transposed;

    /// <summary>A buffer of at least <paramref name="floats"/> floats (plus slack) for packed op(A) panels.</summary>
    public static float* PackedA(int floats) => Aligned(ref packedA, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats (plus slack) for packed op(B) panels.</summary>
    public static float* PackedB(int floats) => Aligned(ref packedB, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for a product computed transposed, then merged.</summary>
    public static float* Transposed(int floats) => Aligned(ref transposed, floats);

    private static float* Aligned(ref float[]? buffer, int floats)
    {
        if (buffer is null || buffer.Length < floats + SlackFloats + AlignFloats)
        {
            buffer = GC.AllocateUninitializedArray<float>(floats + SlackFloats + AlignFloats, pinned: true);
        }

        // The array lives on the pinned object heap, so its address is stable.
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
