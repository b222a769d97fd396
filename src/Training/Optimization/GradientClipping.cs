using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Optimization;

/// <summary>Rescaling of gradients by their global L2 norm over a set of parameters.</summary>
/// <remarks>
/// Only parameters whose <see cref="Parameter.Trainable"/> is true take part (the others receive no gradient
/// and are not updated). Norms are computed per tensor in float32 with SIMD and combined in float64; a tensor
/// whose sum of squares overflows float32 although every element is finite is re-measured with scaling, so a
/// large but finite gradient is never mistaken for a non-finite one.
/// </remarks>
public static class GradientClipping
{
    /// <summary>The global L2 norm of the gradients: NaN when any gradient holds a NaN, +infinity when any holds an infinity (and none a NaN).</summary>
    public static float GlobalNorm(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sumOfSquares = 0.0;
        bool infinite = false;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            if (!p.Trainable)
            {
                continue;
            }

            double norm = TensorNorm(p.Grad.Span);
            if (double.IsNaN(norm))
            {
                return float.NaN;
            }

            if (double.IsInfinity(norm))
            {
                infinite = true;
            }

            sumOfSquares += norm * norm;
        }

        return infinite ? float.PositiveInfinity : (float)Math.Sqrt(sumOfSquares);
    }

    /// <summary>
    /// Scales every trainable gradient by <c>maxNorm / (norm + 1e-6)</c> when the global norm exceeds
    /// <paramref name="maxNorm"/>. Returns the norm before clipping. When the norm is not finite (NaN or
    /// +infinity is returned) the gradients are left untouched: check <see cref="float.IsFinite"/> on the result
    /// and skip the optimizer step.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest global norm allowed; positive and finite.</param>
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm) => ClipByGlobalNorm(parameters, maxNorm, throwIfNonFinite: false);

    /// <summary>
    /// As <see cref="ClipByGlobalNorm(IReadOnlyList{Parameter}, float)"/>, optionally throwing a
    /// <see cref="NonFiniteGradientException"/> that names the first offending parameter instead of returning
    /// a non-finite norm.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest global norm allowed; positive and finite.</param>
    /// <param name="throwIfNonFinite">Throw instead of returning NaN or +infinity.</param>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or infinity and <paramref name="throwIfNonFinite"/> is true.</exception>
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm, bool throwIfNonFinite)
    {
        if (!(maxNorm > 0f) || !float.IsFinite(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be positive and finite.");
        }

        float norm = GlobalNorm(parameters);
        if (!float.IsFinite(norm))
        {
            if (throwIfNonFinite)
            {
                ThrowForFirstNonFinite(parameters);
            }

            return norm;
        }

        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1.0)
        {
            float factor = (float)scale;
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                if (p.Trainable)
                {
                    TensorPrimitives.Multiply(p.Grad.Span, factor, p.Grad.Span);
                }
            }
        }

        return norm;
    }

    /// <summary>The L2 norm of one tensor in float64; NaN if it holds a NaN, +infinity if it holds an infinity.</summary>
    private static double TensorNorm(ReadOnlySpan<float> values)
    {
        float norm = TensorPrimitives.Norm(values);
        if (float.IsFinite(norm))
        {
            return norm;
        }

        // Either a non-finite element, or a float32 overflow of the sum of squares of finite elements.
        float largest = values.IsEmpty ? 0f : TensorPrimitives.MaxMagnitude(values);
        if (!float.IsFinite(largest))
        {
            // MaxMagnitude propagates NaN, so an infinite result means infinities and no NaN.
            return float.IsNaN(largest) ? double.NaN : double.PositiveInfinity;
        }

        double scaled = 0.0;
        double inverse = 1.0 / Math.Abs(largest);
        for (int i = 0; i < values.Length; i++)
        {
            double x = values[i] * inverse;
            scaled += x * x;
        }

        return Math.Abs(largest) * Math.Sqrt(scaled);
    }

    private static bool HasNaN(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static void ThrowForFirstNonFinite(IReadOnlyList<Parameter> parameters)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Trainable && HasNonFinite(p.Grad.Span))
            {
                throw new NonFiniteGradientException(p.Name, HasNaN(p.Grad.Span));
            }
        }

        throw new NonFiniteGradientException();
    }

    private static bool HasNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return true;
            }
        }

        return false;
    }
}
