using MLNetMixture.Training.Autodiff;
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
    /// <summary>Initialises <paramref name="model"/> from training rows.</summary>
    /// <param name="model">A model fresh from <see cref="MixtureDensityFlowArchitecture.Build"/>.</param>
    /// <param name="data">Training rows [N, D] in data units; not modified.</param>
    /// <param name="random">Randomness for the row subsample and the k-means seeding.</param>
    /// <param name="maximumRows">At most this many rows (a seeded random subset) are used for ActNorm and k-means.</param>
    /// <param name="kMeansIterations">Lloyd iterations of the base's k-means.</param>
    public static void Initialize(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows = 20000, int kMeansIterations = 20)
    {
        CheckArguments(model, data, random, maximumRows);

        model.Standardizer?.Fit(data.Span, data.Shape[0]);
        InitializeFromSample(model, data, random, maximumRows, kMeansIterations);
    }

    /// <summary>
    /// Initialises <paramref name="model"/>, whose standardiser (if any) already holds the training moments, from a
    /// sample of training rows: ActNorm and the base's k-means, as <see cref="Initialize"/> does after the standardiser.
    /// Streamed training passes a reservoir sample here.
    /// </summary>
    /// <param name="model">A model fresh from <see cref="MixtureDensityFlowArchitecture.Build"/>, its standardiser fitted.</param>
    /// <param name="data">Training rows [N, D] in data units; not modified.</param>
    /// <param name="random">Randomness for the row subsample and the k-means seeding.</param>
    /// <param name="maximumRows">At most this many rows (a seeded random subset) are used for ActNorm and k-means.</param>
    /// <param name="kMeansIterations">Lloyd iterations of the base's k-means.</param>
    public static void InitializeFromSample(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows = 20000, int kMeansIterations = 20)
    {
        CheckArguments(model, data, random, maximumRows);
        int d = model.Dimension;

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

        if (model.Base.Parameters.Any(p => p.Trainable))
        {
            var tape = new Tape { RecordGradients = false };
            var (latent, _) = model.Flow.Forward(tape, tape.Constant(standardised));
            model.Base.InitializeFromData(tape.Value(latent).Clone(), random.Fork(0x4B4D), kMeansIterations);
        }
    }

    private static void CheckArguments(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows)
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
    }
}
