using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Exact draws from a <see cref="MixtureDensityFlow"/> with their exact log-density, for evaluation: the
/// component is chosen by Gumbel-max (the forward value of the straight-through selection, an exact categorical
/// draw), the base point is <c>μ_c + σ_c ⊙ w</c>, and the flow maps it to data space. Unlike the soft relaxed
/// samples used for training, these are distributed exactly as q, so <c>log p~ − log q</c> on them gives unbiased
/// ELBO and importance-sampling estimates.
/// </summary>
public static class ExactFlowSampling
{
    /// <summary>Rows per graph evaluation (bounds the memory of large draws).</summary>
    public const int ChunkRows = 4096;

    /// <summary>Draws <paramref name="count"/> samples [count, D] and their log-densities log q(x) [count].</summary>
    /// <param name="model">The flow.</param>
    /// <param name="count">The number of draws, ≥ 0.</param>
    /// <param name="random">The noise source (uniforms [count, K] first, then normals [count, D]).</param>
    /// <param name="threads">Threads for matrix products; 0 uses every core.</param>
    public static (Tensor Samples, float[] LogDensity) Draw(MixtureDensityFlow model, int count, RandomSource random, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var uniforms = new Tensor(count, model.Components);
        random.FillUniform(uniforms.Span);
        var normals = new Tensor(count, model.Dimension);
        random.FillNormal(normals.Span);
        return FromNoise(model, uniforms, normals, threads);
    }

    /// <summary>The exact draws for given noise: uniforms [N, K] pick the components, normals [N, D] the Gaussian offsets.</summary>
    /// <param name="model">The flow.</param>
    /// <param name="uniforms">Uniforms in (0, 1), [N, K].</param>
    /// <param name="normals">Standard normals, [N, D].</param>
    /// <param name="threads">Threads for matrix products; 0 uses every core.</param>
    public static (Tensor Samples, float[] LogDensity) FromNoise(MixtureDensityFlow model, Tensor uniforms, Tensor normals, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(uniforms);
        ArgumentNullException.ThrowIfNull(normals);
        int k = model.Components, d = model.Dimension;
        if (uniforms.Rank != 2 || normals.Rank != 2 || uniforms.Shape[1] != k || normals.Shape[1] != d || uniforms.Shape[0] != normals.Shape[0])
        {
            throw new ArgumentException($"Expected uniforms [N, {k}] and normals [N, {d}]; got [{string.Join(", ", uniforms.ShapeArray())}] and [{string.Join(", ", normals.ShapeArray())}].");
        }

        int count = uniforms.Shape[0];
        var samples = new Tensor(count, d);
        var logDensity = new float[count];
        var tape = new Tape(threads) { RecordGradients = false };
        for (int start = 0; start < count; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, count - start);
            tape.Reset();
            var u = tape.Constant(Tensor.FromValues(uniforms.Span.Slice(start * k, rows * k), rows, k));
            var w = tape.Constant(Tensor.FromValues(normals.Span.Slice(start * d, rows * d), rows, d));
            var (x, z, logDetToData) = model.SampleWithLatent(tape, u, w, temperature: 1f, straightThrough: true);
            var logq = tape.Subtract(model.Base.LogDensity(tape, z), logDetToData);
            tape.Value(x).Span.CopyTo(samples.Span.Slice(start * d, rows * d));
            tape.Value(logq).Span.CopyTo(logDensity.AsSpan(start, rows));
        }

        return (samples, logDensity);
    }
}
