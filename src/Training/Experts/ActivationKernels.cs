using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Experts;

/// <summary>In-place activations for native (off-graph) inference, computing exactly what the tape computes.</summary>
internal static class ActivationKernels
{
    /// <summary>x[i] = max(x[i] + bias[i], 0) in one pass, as Add then ReLU (NaN propagates as TensorPrimitives.Max does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddBiasRelu(Span<float> x, ReadOnlySpan<float> bias)
    {
        int i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float br = ref MemoryMarshal.GetReference(bias);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.Max(Vector256.LoadUnsafe(ref xr, (nuint)i) + Vector256.LoadUnsafe(ref br, (nuint)i), Vector256<float>.Zero).StoreUnsafe(ref xr, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            float v = Unsafe.Add(ref xr, i) + Unsafe.Add(ref br, i);
            Unsafe.Add(ref xr, i) = float.IsNaN(v) ? v : MathF.Max(v, 0f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyInPlace(Activation activation, Span<float> x)
    {
        switch (activation)
        {
            case Activation.Relu:
                TensorPrimitives.Max(x, 0f, x);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(x, x);
                break;
            case Activation.Elu:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x[i];
                    x[i] = v > 0f ? v : MathF.Exp(v) - 1f;
                }

                break;
            case Activation.Gelu:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x[i];
                    x[i] = 0.5f * v * (1f + ScalarMath.Erf(v * 0.70710678f));
                }

                break;
            case Activation.Softplus:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = ScalarMath.Softplus(x[i]);
                }

                break;
            case Activation.Sigmoid:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = ScalarMath.Sigmoid(x[i]);
                }

                break;
            case Activation.Identity:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
