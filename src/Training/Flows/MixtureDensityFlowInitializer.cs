using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Data-dependent initialisation of a freshly built <see cref="MixtureDensityFlow"/>, in the model's own order:
/// the standardiser learns the training means and deviations, every ActNorm layer normalises the batch as it
/// arrives there, and a trainable mixture base is fitted by k-means to the latent points of the data (the flow's
/// transforms start at the identity, so these are the standardised data, up to ActNorm). The K components thus
/// start on the data's modes instead of at the origin.
/// </summary>
public static class MixtureDensityFlowInitializer
{
    /// <summary>The deviation of the random offsets of the component means under <see cref="MixtureBaseInitialization.StandardNormal"/>.</summary>
    public const float StandardNormalJitter = 0.1f;

    /// <summary>Initialises <paramref name="model"/> from training rows.</summary>
    /// <param name="model">A model fresh from <see cref="MixtureDensityFlowArchitecture.Build"/>.</param>
    /// <param name="data">Training rows [N, D] in data units; not modified.</param>
    /// <param name="random">Randomness for the row subsample and the k-means seeding.</param>
    /// <param name="maximumRows">At most this many rows (a seeded random subset) are used for ActNorm and k-means.</param>
    /// <param name="kMeansIterations">Lloyd iterations of the base's k-means.</param>
    /// <param name="baseInitialization">How a learnable base starts: on k-means clusters, or as jittered standard normals.</param>
    public static void Initialize(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows = 20000, int kMeansIterations = 20, MixtureBaseInitialization baseInitialization = MixtureBaseInitialization.KMeans)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumRows);
        int d = model.Dimension;
        if (data.Rank != 2 || data.Shape[1] != d || data.Shape[0] == 0)
        {
            throw new ArgumentException($"Expected training rows [N >= 1, {d}]; got [{string.Join(", ", data.ShapeArray())}].", nameof(data));
        }

        model.Standardizer?.Fit(data.Span, data.Shape[0]);

        int n = data.Shape[0];
        var subset = data;
        if (n > maximumRows)
        {
            var rows = new int[n];
            for (int i = 0; i < n; i++)
            {
                rows[i] = i;
            }

            random.Shuffle<int>(rows);
            subset = new Tensor(maximumRows, d);
            for (int i = 0; i < maximumRows; i++)
            {
                data.RowSpan(rows[i]).CopyTo(subset.RowSpan(i));
            }
        }

        var standardised = subset.Clone();
        model.Standardizer?.Apply(standardised.Span);
        model.Flow.InitializeFrom(standardised);

        if (model.Base.Parameters.Any(p => p.Trainable) && baseInitialization == MixtureBaseInitialization.StandardNormal)
        {
            model.Base.InitializeSpread(random.Fork(0x4B4D), meanScale: StandardNormalJitter, logSigma: 0f);
        }
        else if (model.Base.Parameters.Any(p => p.Trainable))
        {
            var tape = new Tape { RecordGradients = false };
            var (latent, _) = model.Flow.Forward(tape, tape.Constant(standardised));
            var points = tape.Value(latent).Clone();
            if (baseInitialization == MixtureBaseInitialization.KMeansAndStandardNormal)
            {
                KMeansAndStandardNormal(model.Base, points, random.Fork(0x4B4D), kMeansIterations);
                return;
            }

            model.Base.InitializeFromData(points, random.Fork(0x4B4D), kMeansIterations);
            if (baseInitialization == MixtureBaseInitialization.KMeansSharedScale)
            {
                ShareScale(model.Base, points);
            }
            else if (baseInitialization == MixtureBaseInitialization.KMeansShrunk)
            {
                Shrink(model.Base, points, 0.5);
            }
        }
    }

    /// <summary>Component 0 a standard normal of weight one half, the other K - 1 on the k-means clusters of the points, sharing the other half.</summary>
    private static void KMeansAndStandardNormal(DiagonalGaussianMixture mixture, Tensor points, RandomSource random, int iterations)
    {
        int d = mixture.Dimension, kCount = mixture.Components;
        var clusters = new DiagonalGaussianMixture("clusters", kCount - 1, d);
        clusters.InitializeFromData(points, random, iterations);
        var logits = mixture.WeightLogits.Value.Span;
        var clusterLogits = clusters.WeightLogits.Value.Span;
        double clusterLogNormaliser = LogSumExp(clusterLogits);
        logits[0] = (float)Math.Log(0.5);
        mixture.Means.Value.Span[..d].Clear();
        mixture.LogSigmas.Value.Span[..d].Clear();
        for (int k = 1; k < kCount; k++)
        {
            logits[k] = (float)(Math.Log(0.5) + clusterLogits[k - 1] - clusterLogNormaliser);
        }

        clusters.Means.Value.Span.CopyTo(mixture.Means.Value.Span[d..]);
        clusters.LogSigmas.Value.Span.CopyTo(mixture.LogSigmas.Value.Span[d..]);
    }

    /// <summary>
    /// Moves every component mean a fraction <paramref name="factor"/> of the way from the data mean and widens the
    /// components by what the spread of the means loses, so the mixture keeps the data's variance.
    /// </summary>
    private static void Shrink(DiagonalGaussianMixture mixture, Tensor points, double factor)
    {
        int n = points.Shape[0], d = mixture.Dimension, kCount = mixture.Components;
        var x = points.Span;
        var logits = mixture.WeightLogits.Value.Span;
        var means = mixture.Means.Value.Span;
        var logSigmas = mixture.LogSigmas.Value.Span;
        double logNormaliser = LogSumExp(logits);
        for (int j = 0; j < d; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++)
            {
                mean += x[(i * d) + j] / n;
            }

            double between = 0;
            for (int k = 0; k < kCount; k++)
            {
                double dm = means[(k * d) + j] - mean;
                between += Math.Exp(logits[k] - logNormaliser) * dm * dm;
            }

            for (int k = 0; k < kCount; k++)
            {
                int kj = (k * d) + j;
                means[kj] = (float)(mean + (factor * (means[kj] - mean)));
                double variance = Math.Exp(2.0 * logSigmas[kj]) + ((1 - (factor * factor)) * between);
                logSigmas[kj] = (float)(0.5 * Math.Log(variance));
            }
        }
    }

    private static double LogSumExp(ReadOnlySpan<float> values)
    {
        double max = double.NegativeInfinity;
        foreach (float v in values)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>
    /// Gives every component the same per-feature deviation: what the data's variance leaves after the spread of the
    /// weighted component means (the pooled within-cluster variance), floored at a tenth of the data's variance.
    /// </summary>
    private static void ShareScale(DiagonalGaussianMixture mixture, Tensor points)
    {
        int n = points.Shape[0], d = mixture.Dimension, kCount = mixture.Components;
        var x = points.Span;
        var logits = mixture.WeightLogits.Value.Span;
        var means = mixture.Means.Value.Span;
        var logSigmas = mixture.LogSigmas.Value.Span;
        double logitMax = double.NegativeInfinity;
        foreach (float v in logits)
        {
            logitMax = Math.Max(logitMax, v);
        }

        var weights = new double[kCount];
        double total = 0;
        for (int k = 0; k < kCount; k++)
        {
            weights[k] = Math.Exp(logits[k] - logitMax);
            total += weights[k];
        }

        for (int j = 0; j < d; j++)
        {
            double mean = 0, square = 0;
            for (int i = 0; i < n; i++)
            {
                double v = x[(i * d) + j];
                mean += v / n;
                square += v * v / n;
            }

            double variance = Math.Max(square - (mean * mean), 1e-12);
            double between = 0;
            for (int k = 0; k < kCount; k++)
            {
                double dm = means[(k * d) + j] - mean;
                between += weights[k] / total * dm * dm;
            }

            float logSigma = (float)(0.5 * Math.Log(Math.Max(variance - between, 0.1 * variance)));
            for (int k = 0; k < kCount; k++)
            {
                logSigmas[(k * d) + j] = logSigma;
            }
        }
    }
}
