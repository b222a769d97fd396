using System.Runtime.CompilerServices;

namespace MLNetMixture.Training.Compute;

/// <summary>Scalar special functions that .NET does not provide, in float32 with float64 internals where it matters.</summary>
public static class ScalarMath
{
    /// <summary>log(sqrt(2 pi)).</summary>
    public const double LogSqrt2Pi = 0.91893853320467274178;

    /// <summary>The error function, accurate to about 1e-7 absolute (float32 resolution).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => (float)Erf((double)x);

    /// <summary>The error function in float64, accurate to about 1.2e-7 absolute (Numerical Recipes' erfc Chebyshev fit).</summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + (0.5 * z));
        double poly = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
            + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        double r = t * Math.Exp((-z * z) + poly);
        double erf = 1.0 - r;
        return x >= 0 ? erf : -erf;
    }

    /// <summary>log(1 + e^x) without overflow or loss of precision.</summary>
    /// <remarks>
    /// Written as max(x, 0) + log1p(e^-|x|). A plain log(1 + e) rounds 1 + e to 1 once e &lt; 6e-8, so
    /// softplus(x) came out exactly 0 for x &lt; -16.6 (a softplus-parameterised scale then has log = -inf);
    /// the log1p below keeps full relative precision down to the float32 subnormal range.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x)
    {
        double e = Math.Exp(-Math.Abs((double)x));
        double u = 1.0 + e;

        // log1p(e) = log(u) * e / (u - 1): the ratio cancels the rounding of 1 + e (Goldberg's correction).
        double log1p = u == 1.0 ? e : Math.Log(u) * e / (u - 1.0);
        return (float)(Math.Max((double)x, 0.0) + log1p);
    }

    /// <summary>The logistic function 1 / (1 + e^-x) without overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        if (x >= 0)
        {
            return 1f / (1f + MathF.Exp(-x));
        }

        float e = MathF.Exp(x);
        return e / (1f + e);
    }

    /// <summary>Stable log-sum-exp of a span; -infinity for an empty span or all -infinity.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty)
        {
            return float.NegativeInfinity;
        }

        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = MathF.Max(max, v);
        }

        if (float.IsNegativeInfinity(max) || float.IsPositiveInfinity(max))
        {
            return max;
        }

        double s = 0;
        foreach (float v in x)
        {
            s += Math.Exp(v - max);
        }

        return max + (float)Math.Log(s);
    }

    /// <summary>log(n!) via the log-gamma function's integer case (exact summation for small n).</summary>
    public static double LogFactorial(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        double s = 0;
        for (int i = 2; i <= n; i++)
        {
            s += Math.Log(i);
        }

        return s;
    }
}
