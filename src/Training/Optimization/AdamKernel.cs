using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// The fused, vectorised Adam/AdamW update: one pass over p, g, m and v, eight floats at a time. The scalar
/// tail performs the same fused operations, so every element gets the same bits whatever its position.
/// </summary>
internal static class AdamKernel
{
    /// <summary>
    /// Magnitudes below this are flushed to zero. Far above the float32 subnormal range (below 1.18e-38) so a
    /// value decaying geometrically is caught before it gets there, and far below anything that moves training:
    /// sqrt(1e-30) = 1e-15 is negligible next to any sensible epsilon.
    /// </summary>
    public const float FlushThreshold = 1e-30f;

    /// <summary>Applies one update in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Update(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment, in AdamStepCoefficients c)
    {
        int n = parameter.Length;
        if (gradient.Length != n || firstMoment.Length != n || secondMoment.Length != n)
        {
            throw new ArgumentException("Parameter, gradient and moment buffers must have the same length.");
        }

        ref float p = ref MemoryMarshal.GetReference(parameter);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        bool coupled = c.L2 != 0f;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var beta1 = Vector256.Create(c.Beta1);
            var beta2 = Vector256.Create(c.Beta2);
            var scale1 = Vector256.Create(c.GradientScale1);
            var scale2 = Vector256.Create(c.GradientScale2);
            var negativeStep = Vector256.Create(-c.StepSize);
            var inverseSqrt2 = Vector256.Create(c.InverseSqrtCorrection2);
            var epsilon = Vector256.Create(c.Epsilon);
            var l2 = Vector256.Create(c.L2);
            var decay = Vector256.Create(c.DecayFactor);
            var tiny = Vector256.Create(c.FlushThreshold);
            int last = n - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                nuint at = (nuint)i;
                var gv = Vector256.LoadUnsafe(ref g, at);
                var pv = Vector256.LoadUnsafe(ref p, at);
                var mv = Vector256.LoadUnsafe(ref m, at);
                var vv = Vector256.LoadUnsafe(ref v, at);
                if (coupled)
                {
                    gv = Vector256.FusedMultiplyAdd(l2, pv, gv);
                }

                mv = Vector256.FusedMultiplyAdd(mv, beta1, gv * scale1);
                vv = Vector256.FusedMultiplyAdd(vv, beta2, gv * gv * scale2);
                var denominator = Vector256.FusedMultiplyAdd(Vector256.Sqrt(vv), inverseSqrt2, epsilon);
                pv = Vector256.FusedMultiplyAdd(mv / denominator, negativeStep, pv * decay);

                // Clear lanes whose magnitude is below the threshold; NaN compares false and survives.
                mv = Vector256.AndNot(mv, Vector256.LessThan(Vector256.Abs(mv), tiny));
                vv = Vector256.AndNot(vv, Vector256.LessThan(vv, tiny));
                pv = Vector256.AndNot(pv, Vector256.LessThan(Vector256.Abs(pv), tiny));
                mv.StoreUnsafe(ref m, at);
                vv.StoreUnsafe(ref v, at);
                pv.StoreUnsafe(ref p, at);
            }
        }

        for (; i < n; i++)
        {
            UpdateOne(ref Unsafe.Add(ref p, i), Unsafe.Add(ref g, i), ref Unsafe.Add(ref m, i), ref Unsafe.Add(ref v, i), c, coupled);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateOne(ref float p, float g, ref float m, ref float v, in AdamStepCoefficients c, bool coupled)
    {
        if (coupled)
        {
            g = MathF.FusedMultiplyAdd(c.L2, p, g);
        }

        float mn = MathF.FusedMultiplyAdd(m, c.Beta1, g * c.GradientScale1);
        float vn = MathF.FusedMultiplyAdd(v, c.Beta2, g * g * c.GradientScale2);
        float denominator = MathF.FusedMultiplyAdd(MathF.Sqrt(vn), c.InverseSqrtCorrection2, c.Epsilon);
        float pn = MathF.FusedMultiplyAdd(mn / denominator, -c.StepSize, p * c.DecayFactor);
        m = MathF.Abs(mn) < c.FlushThreshold ? 0f : mn;
        v = vn < c.FlushThreshold ? 0f : vn;
        p = MathF.Abs(pn) < c.FlushThreshold ? 0f : pn;
    }
}
