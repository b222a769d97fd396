using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Experts;

/// <summary>In-place activations for native (off-graph) inference, computing exactly what the tape computes.</summary>
internal static class ActivationKernels
{
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
