using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// Branch-free accumulations under a sign mask, for the backward passes of piecewise activations: with random
/// signs a compare-and-branch per element mispredicts half the time, which made ReLU's backward pass one of the
/// most expensive steps of training an MLP.
/// </summary>
internal static class MaskedAccumulation
{
    /// <summary><c>accumulator[i] += x[i] &gt; 0 ? g[i] : 0</c> (NaN x counts as not positive), as PyTorch's ReLU backward.</summary>
    /// <param name="x">The activation's input.</param>
    /// <param name="g">The incoming gradient, as long as <paramref name="x"/>.</param>
    /// <param name="accumulator">The gradient of the input, as long as <paramref name="x"/>; added to.</param>
    public static void AddWherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> accumulator) => WherePositive(x, g, accumulator, accumulate: true);

    /// <summary><c>destination[i] = x[i] &gt; 0 ? g[i] : 0</c> (NaN x counts as not positive).</summary>
    /// <param name="x">The activation's input.</param>
    /// <param name="g">The incoming gradient, as long as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the masked gradient, as long as <paramref name="x"/>; its old values are not read.</param>
    public static void SelectWherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> destination) => WherePositive(x, g, destination, accumulate: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> accumulator, bool accumulate)
    {
        if (g.Length != x.Length || accumulator.Length != x.Length)
        {
            throw new ArgumentException($"Lengths differ: x {x.Length}, g {g.Length}, accumulator {accumulator.Length}.");
        }

        int i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float ar = ref MemoryMarshal.GetReference(accumulator);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero);
                var masked = Vector256.LoadUnsafe(ref gr, (nuint)i) & mask;
                (accumulate ? Vector256.LoadUnsafe(ref ar, (nuint)i) + masked : masked).StoreUnsafe(ref ar, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var mask = Vector128.GreaterThan(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128<float>.Zero);
                var masked = Vector128.LoadUnsafe(ref gr, (nuint)i) & mask;
                (accumulate ? Vector128.LoadUnsafe(ref ar, (nuint)i) + masked : masked).StoreUnsafe(ref ar, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            float masked = Unsafe.Add(ref xr, i) > 0f ? Unsafe.Add(ref gr, i) : 0f;
            Unsafe.Add(ref ar, i) = accumulate ? Unsafe.Add(ref ar, i) + masked : masked;
        }
    }
}
