using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// The standard Gumbel distribution Gumbel(0, 1), sampled by inversion as <c>g = -log(-log u)</c> for
/// <c>u ~ Uniform(0, 1)</c>, and the Gumbel-max trick: <c>argmax_k (logits_k + g_k)</c> is a draw from
/// <c>Categorical(softmax(logits))</c>.
/// </summary>
/// <remarks>
/// Uniforms are clamped to <c>[<see cref="UniformEpsilon"/>, 1 - <see cref="UniformEpsilon"/>]</c> first, so the
/// noise is always finite: the result lies in [-2.8115, 16.6355]. The clamp truncates the left tail at
/// probability <c>exp(-16.6355)</c> ≈ 6e-8 and the right tail at about 6e-8, far below anything a float32 model
/// can resolve.
/// </remarks>
public static class Gumbel
{
    /// <summary>
    /// 2^-24 ≈ 5.96e-8, the float32 spacing just below 1: the smallest ε for which <c>1 - ε</c> is a float32
    /// value distinct from 1, so both ends of the clamp <c>[ε, 1 - ε]</c> are exact and
    /// <c>-log(-log u)</c> stays finite at either end.
    /// </summary>
    public const float UniformEpsilon = 5.9604645E-08f;

    /// <summary>1 - <see cref="UniformEpsilon"/> (= 0.99999994f), the largest float32 below 1.</summary>
    public const float UniformUpperBound = 1f - UniformEpsilon;

    /// <summary><paramref name="uniform"/> clamped to [<see cref="UniformEpsilon"/>, <see cref="UniformUpperBound"/>]; NaN stays NaN.</summary>
    public static float ClampUniform(float uniform) => uniform < UniformEpsilon ? UniformEpsilon : (uniform > UniformUpperBound ? UniformUpperBound : uniform);

    /// <summary>The Gumbel(0, 1) value <c>-log(-log u)</c> of one uniform (clamped first; computed in float64).</summary>
    public static float FromUniform(float uniform) => (float)-Math.Log(-Math.Log(ClampUniform(uniform)));

    /// <summary>Transforms uniforms into Gumbel(0, 1) noise, element by element (may be the same span).</summary>
    /// <param name="uniforms">Uniforms in [0, 1]; clamped as in <see cref="ClampUniform"/>.</param>
    /// <param name="destination">Receives the noise; at least as long as <paramref name="uniforms"/>.</param>
    public static void FromUniforms(ReadOnlySpan<float> uniforms, Span<float> destination)
    {
        if (destination.Length < uniforms.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {uniforms.Length} are needed.", nameof(destination));
        }

        for (int i = 0; i < uniforms.Length; i++)
        {
            destination[i] = FromUniform(uniforms[i]);
        }
    }

    /// <summary>One Gumbel(0, 1) draw.</summary>
    public static float Sample(RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return FromUniform(random.NextOpenUniform());
    }

    /// <summary>Fills <paramref name="destination"/> with independent Gumbel(0, 1) draws.</summary>
    public static void Fill(RandomSource random, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = FromUniform(random.NextOpenUniform());
        }
    }

    /// <summary>
    /// Gumbel-max with given uniforms: the first index of the maximum of <c>logits_k - log(-log u_k)</c>.
    /// Deterministic given the uniforms; allocation-free.
    /// </summary>
    /// <param name="logits">Unnormalised log-probabilities (any additive shift gives the same result); -infinity excludes a class.</param>
    /// <param name="uniforms">One uniform per class.</param>
    public static int ArgMax(ReadOnlySpan<float> logits, ReadOnlySpan<float> uniforms)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("Gumbel-max needs at least one class.", nameof(logits));
        }

        if (uniforms.Length != logits.Length)
        {
            throw new ArgumentException($"Gumbel-max needs one uniform per class: {logits.Length} logits, {uniforms.Length} uniforms.", nameof(uniforms));
        }

        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
        {
            double v = logits[k] - Math.Log(-Math.Log(ClampUniform(uniforms[k])));
            if (v > bestValue)
            {
                bestValue = v;
                best = k;
            }
        }

        return best;
    }

    /// <summary>
    /// A draw from <c>Categorical(softmax(logits))</c> by the Gumbel-max trick, consuming one uniform per class
    /// from <paramref name="random"/>. Allocation-free.
    /// </summary>
    public static int SampleCategorical(ReadOnlySpan<float> logits, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (logits.IsEmpty)
        {
            throw new ArgumentException("Gumbel-max needs at least one class.", nameof(logits));
        }

        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
        {
            double v = logits[k] - Math.Log(-Math.Log(ClampUniform(random.NextOpenUniform())));
            if (v > bestValue)
            {
                bestValue = v;
                best = k;
            }
        }

        return best;
    }

    /// <summary>
    /// Gumbel(0, 1) noise as graph operations on a value of uniforms (e.g. a graph input of an exported sampler):
    /// <c>-log(-log(clamp(u, ε, 1 - ε)))</c>. No gradient reaches the uniforms through the clamp's ends.
    /// </summary>
    public static Var Noise(IComputeGraph graph, Var uniforms)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var u = graph.Clamp(uniforms, UniformEpsilon, UniformUpperBound);
        return graph.Negate(graph.Log(graph.Negate(graph.Log(u))));
    }
}
