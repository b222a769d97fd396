using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// Work on one short row (the C classes of one expert, the K experts of one row): a maximum, shifted exponentials
/// and their sum, a scaled copy; each one inline loop of 512-bit vectors (rows of 16 or more, where they run), else
/// 256-bit ones, whose ragged end is an overlapping vector, so a row of 26 costs two or four vector steps instead of
/// the fixed cost of a library call per reduction.
/// </summary>
/// <remarks>
/// The exponentials are <see cref="NonPositiveExponential"/>'s, so the shift must be at least every element (the
/// row's maximum). The sum's order differs from <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>'s: results
/// agree to float32 rounding. Rows shorter than 8, and machines without 256-bit vectors, take a scalar loop.
/// </remarks>
internal static class ShortRows
{
    /// <summary>
    /// The largest element; -infinity for an empty row. With NaN elements the result may be NaN or the largest of the
    /// others (the processor's native maximum): a sum of exponentials shifted by it is NaN either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(ref float row, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var m = Vector512.LoadUnsafe(ref row);
            int i = Vector512<float>.Count;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                m = Vector512.MaxNative(m, Vector512.LoadUnsafe(ref row, (nuint)i));
            }

            if (i < n)
            {
                m = Vector512.MaxNative(m, Vector512.LoadUnsafe(ref row, (nuint)(n - Vector512<float>.Count)));
            }

            return HorizontalMax(Vector256.MaxNative(m.GetLower(), m.GetUpper()));
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var m = Vector256.LoadUnsafe(ref row);
            int i = Vector256<float>.Count;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                m = Vector256.MaxNative(m, Vector256.LoadUnsafe(ref row, (nuint)i));
            }

            if (i < n)
            {
                // Overlapping the last full step changes nothing for a maximum.
                m = Vector256.MaxNative(m, Vector256.LoadUnsafe(ref row, (nuint)(n - Vector256<float>.Count)));
            }

            return HorizontalMax(m);
        }

        float max = float.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref row, i));
        }

        return max;
    }

    /// <summary><c>destination[i] = row[i] - shift</c>; the two must not overlap unless they are the same.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Shift(ref float row, int n, float shift, ref float destination)
    {
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var s = Vector512.Create(shift);
            int i = 0;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref row, (nuint)i) - s).StoreUnsafe(ref destination, (nuint)i);
            }

            if (i < n && !Unsafe.AreSame(ref row, ref destination))
            {
                // The overlapping last step stores the finished lanes' values again.
                nuint at = (nuint)(n - Vector512<float>.Count);
                (Vector512.LoadUnsafe(ref row, at) - s).StoreUnsafe(ref destination, at);
                return;
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref destination, i) = Unsafe.Add(ref row, i) - shift;
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var s = Vector256.Create(shift);
            int i = 0;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref row, (nuint)i) - s).StoreUnsafe(ref destination, (nuint)i);
            }

            if (i < n && !Unsafe.AreSame(ref row, ref destination))
            {
                nuint at = (nuint)(n - Vector256<float>.Count);
                (Vector256.LoadUnsafe(ref row, at) - s).StoreUnsafe(ref destination, at);
                return;
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref destination, i) = Unsafe.Add(ref row, i) - shift;
            }

            return;
        }

        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref destination, i) = Unsafe.Add(ref row, i) - shift;
        }
    }

    /// <summary>The sum of the row's elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(ref float row, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var sum = Vector512.LoadUnsafe(ref row);
            int i = Vector512<float>.Count;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                sum += Vector512.LoadUnsafe(ref row, (nuint)i);
            }

            if (i < n)
            {
                sum += Vector512.LoadUnsafe(ref row, (nuint)(n - Vector512<float>.Count)) & TailMask512(n - i);
            }

            return Vector512.Sum(sum);
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var sum = Vector256.LoadUnsafe(ref row);
            int i = Vector256<float>.Count;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                sum += Vector256.LoadUnsafe(ref row, (nuint)i);
            }

            if (i < n)
            {
                sum += Vector256.LoadUnsafe(ref row, (nuint)(n - Vector256<float>.Count)) & TailMask(n - i);
            }

            return Vector256.Sum(sum);
        }

        float total = 0f;
        for (int i = 0; i < n; i++)
        {
            total += Unsafe.Add(ref row, i);
        }

        return total;
    }

    /// <summary>
    /// <c>exponentials[i] = exp(row[i] - shift)</c> and their sum, for a shift at least every element;
    /// <paramref name="exponentials"/> may be <paramref name="row"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float StoreExponentials(ref float row, int n, float shift, ref float exponentials)
    {
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var s = Vector512.Create(shift);
            var sum = Vector512<float>.Zero;
            int i = 0;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var e = NonPositiveExponential.Evaluate(Vector512.LoadUnsafe(ref row, (nuint)i) - s);
                e.StoreUnsafe(ref exponentials, (nuint)i);
                sum += e;
            }

            if (i < n)
            {
                nuint at = (nuint)(n - Vector512<float>.Count);
                var mask = TailMask512(n - i);
                var e = NonPositiveExponential.Evaluate(Vector512.LoadUnsafe(ref row, at) - s);
                (Unsafe.AreSame(ref row, ref exponentials) ? Vector512.ConditionalSelect(mask, e, Vector512.LoadUnsafe(ref exponentials, at)) : e).StoreUnsafe(ref exponentials, at);
                sum += e & mask;
            }

            return Vector512.Sum(sum);
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var s = Vector256.Create(shift);
            var sum = Vector256<float>.Zero;
            int i = 0;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var e = NonPositiveExponential.Evaluate(Vector256.LoadUnsafe(ref row, (nuint)i) - s);
                e.StoreUnsafe(ref exponentials, (nuint)i);
                sum += e;
            }

            if (i < n)
            {
                // The overlapping last step rewrites finished lanes with the same values, except in place, where they
                // already hold exponentials and only the new lanes are stored.
                nuint at = (nuint)(n - Vector256<float>.Count);
                var mask = TailMask(n - i);
                var x = Vector256.LoadUnsafe(ref row, at);
                var e = NonPositiveExponential.Evaluate(x - s);
                (Unsafe.AreSame(ref row, ref exponentials) ? Vector256.ConditionalSelect(mask, e, Vector256.LoadUnsafe(ref exponentials, at)) : e).StoreUnsafe(ref exponentials, at);
                sum += e & mask;
            }

            return Vector256.Sum(sum);
        }

        float total = 0f;
        for (int i = 0; i < n; i++)
        {
            float x = Unsafe.Add(ref row, i) - shift;
            float e = x < NonPositiveExponential.Cutoff ? 0f : MathF.Exp(x);
            Unsafe.Add(ref exponentials, i) = e;
            total += e;
        }

        return total;
    }

    /// <summary><c>destination[i] = (accumulate ? destination[i] : 0) + scale * values[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(ref float values, int n, float scale, ref float destination, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var f = Vector512.Create(scale);
            int i = 0;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var term = Vector512.LoadUnsafe(ref values, (nuint)i) * f;
                (accumulate ? Vector512.LoadUnsafe(ref destination, (nuint)i) + term : term).StoreUnsafe(ref destination, (nuint)i);
            }

            if (i < n)
            {
                nuint at = (nuint)(n - Vector512<float>.Count);
                var term = Vector512.LoadUnsafe(ref values, at) * f;
                var old = Vector512.LoadUnsafe(ref destination, at);
                var mask = TailMask512(n - i);
                (accumulate ? old + (term & mask) : Unsafe.AreSame(ref values, ref destination) ? Vector512.ConditionalSelect(mask, term, old) : term).StoreUnsafe(ref destination, at);
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var f = Vector256.Create(scale);
            int i = 0;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var term = Vector256.LoadUnsafe(ref values, (nuint)i) * f;
                (accumulate ? Vector256.LoadUnsafe(ref destination, (nuint)i) + term : term).StoreUnsafe(ref destination, (nuint)i);
            }

            if (i < n)
            {
                // The overlapping last step adds only in its new lanes; overwriting, it stores the finished lanes'
                // values again, except in place, where only the new lanes are stored.
                nuint at = (nuint)(n - Vector256<float>.Count);
                var term = Vector256.LoadUnsafe(ref values, at) * f;
                var old = Vector256.LoadUnsafe(ref destination, at);
                var mask = TailMask(n - i);
                (accumulate ? old + (term & mask) : Unsafe.AreSame(ref values, ref destination) ? Vector256.ConditionalSelect(mask, term, old) : term).StoreUnsafe(ref destination, at);
            }

            return;
        }

        for (int i = 0; i < n; i++)
        {
            float term = scale * Unsafe.Add(ref values, i);
            ref float d = ref Unsafe.Add(ref destination, i);
            d = accumulate ? d + term : term;
        }
    }

    /// <summary>The horizontal maximum of a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector256<float> v)
    {
        var h = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
    }

    /// <summary>All-ones in the last <paramref name="count"/> lanes (1 to 15), zero in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask512(int count)
        => Vector512.GreaterThanOrEqual(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(Vector512<float>.Count - count)).AsSingle();

    /// <summary>All-ones in the last <paramref name="count"/> lanes (1 to 7), zero in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMask(int count)
        => Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(Vector256<float>.Count - count)).AsSingle();
}
