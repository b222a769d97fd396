using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Layers;

/// <summary>Weight initialisation schemes.</summary>
public static class Initializer
{
    /// <summary>Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)).</summary>
    public static void XavierUniform(Tensor weight, int fanIn, int fanOut, RandomSource random, float gain = 1f)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(random);
        float a = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        random.FillUniform(weight.Span, -a, a);
    }

    /// <summary>Glorot/Xavier normal: N(0, gain^2 * 2 / (fanIn + fanOut)).</summary>
    public static void XavierNormal(Tensor weight, int fanIn, int fanOut, RandomSource random, float gain = 1f)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(random);
        random.FillNormal(weight.Span, 0f, gain * MathF.Sqrt(2f / (fanIn + fanOut)));
    }

    /// <summary>He/Kaiming normal for ReLU-family layers: N(0, 2 / fanIn).</summary>
    public static void HeNormal(Tensor weight, int fanIn, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(random);
        random.FillNormal(weight.Span, 0f, MathF.Sqrt(2f / fanIn));
    }

    /// <summary>He/Kaiming uniform for ReLU-family layers: U(-a, a) with a = sqrt(6 / fanIn).</summary>
    public static void HeUniform(Tensor weight, int fanIn, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(random);
        float a = MathF.Sqrt(6f / fanIn);
        random.FillUniform(weight.Span, -a, a);
    }
}
