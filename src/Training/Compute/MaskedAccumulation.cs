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

    /// <summary>
    /// <c>destination[r, j] = x[r, j] &gt; 0 ? g[r, j] : 0</c> and <c>columnSums[j] += sum_r destination[r, j]</c> in one
    /// pass (a fused ReLU's backward and its layer's bias gradient), the sums taken row after row.
    /// </summary>
    /// <param name="x">The activation's output (positive exactly where its input is), [rows, columns].</param>
    /// <param name="g">The incoming gradient, as long as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the masked gradient; its old values are not read.</param>
    /// <param name="columns">The row length; <paramref name="columnSums"/> holds this many values.</param>
    /// <param name="columnSums">Added to.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SelectWherePositiveSummingColumns(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> destination, int columns, Span<float> columnSums)
    {
        if (g.Length != x.Length || destination.Length != x.Length || columns <= 0 || x.Length % columns != 0 || columnSums.Length < columns)
        {
            throw new ArgumentException($"Lengths differ: x {x.Length}, g {g.Length}, destination {destination.Length}, {columns} columns, {columnSums.Length} sums.");
        }

        int rows = x.Length / columns;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        ref float sr = ref MemoryMarshal.GetReference(columnSums);
        for (int r = 0; r < rows; r++)
        {
            nuint row = (nuint)((long)r * columns);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= columns - Vector512<float>.Count; j += Vector512<float>.Count)
                {
                    nuint at = row + (nuint)j;
                    var masked = Vector512.LoadUnsafe(ref gr, at) & Vector512.GreaterThan(Vector512.LoadUnsafe(ref xr, at), Vector512<float>.Zero);
                    masked.StoreUnsafe(ref dr, at);
                    (Vector512.LoadUnsafe(ref sr, (nuint)j) + masked).StoreUnsafe(ref sr, (nuint)j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= columns - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    nuint at = row + (nuint)j;
                    var masked = Vector256.LoadUnsafe(ref gr, at) & Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, at), Vector256<float>.Zero);
                    masked.StoreUnsafe(ref dr, at);
                    (Vector256.LoadUnsafe(ref sr, (nuint)j) + masked).StoreUnsafe(ref sr, (nuint)j);
                }
            }

            for (; j < columns; j++)
            {
                nuint at = row + (nuint)j;
                float masked = Unsafe.Add(ref xr, at) > 0f ? Unsafe.Add(ref gr, at) : 0f;
                Unsafe.Add(ref dr, at) = masked;
                Unsafe.Add(ref sr, j) += masked;
            }
        }
    }

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
