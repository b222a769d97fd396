using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Data-dependent initialisation of a freshly built <see cref="MixtureDensityFlow"/>, in the model's own order:
/// the standardiser learns the training means and deviations, every ActNorm layer normalises the batch as it
/// arrives there, and a trainable mixture base starts as <see cref="MixtureBaseInitialization"/> says, from the latent
/// points of the data (the flow's transforms start at the identity, so these are the standardised data, up to
/// ActNorm).
/// </summary>
public static class MixtureDensityFlowInitializer
{
    /// <summary>The deviation of the random offsets of the component means under <see cref="MixtureBaseInitialization.StandardNormal"/>.</summary>
    public const float StandardNormalJitter = 0.1f;

    /// <summary>Initialises <paramref name="model"/> from training rows.</summary>
    /// <param name="model">A model fresh from <see cref="MixtureDensityFlowArchitecture.Build"/>.</param>
    /// <param name="data">Training rows [N, D] in data units; not modified.</param>
    /// <param name="random">Randomness for the row subsample, the k-means seeding and the jitter.</param>
    /// <param name="maximumRows">At most this many rows (a seeded random subset) are used for ActNorm and k-means.</param>
    /// <param name="kMeansIterations">Lloyd iterations of the base's k-means.</param>
    /// <param name="baseInitialization">How a learnable base starts (see <see cref="MixtureBaseInitialization"/>; <see cref="MixtureBaseInitialization.ChosenByValidation"/>, which needs whole fits, starts as <see cref="MixtureBaseInitialization.KMeans"/> here).</param>
    public static void Initialize(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows = 20000, int kMeansIterations = 20, MixtureBaseInitialization baseInitialization = MixtureBaseInitialization.KMeans)
    {
        CheckArguments(model, data, random, maximumRows);

        model.Standardizer?.Fit(data.Span, data.Shape[0]);
        InitializeFromSample(model, data, random, maximumRows, kMeansIterations, baseInitialization);
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
    /// <param name="baseInitialization">How a learnable base starts; <see cref="MixtureBaseInitialization.ChosenByValidation"/> starts as <see cref="MixtureBaseInitialization.KMeans"/> here.</param>
    public static void InitializeFromSample(MixtureDensityFlow model, Tensor data, RandomSource random, int maximumRows = 20000, int kMeansIterations = 20, MixtureBaseInitialization baseInitialization = MixtureBaseInitialization.KMeans)
    {
        CheckArguments(model, data, random, maximumRows);
        if (!Enum.IsDefined(baseInitialization))
        {
            throw new ArgumentOutOfRangeException(nameof(baseInitialization), baseInitialization, "Not a MixtureBaseInitialization value.");
        }

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

        if (!model.Base.Parameters.Any(p => p.Trainable))
        {
            return;
        }

        if (baseInitialization == MixtureBaseInitialization.StandardNormal)
        {
            model.Base.InitializeSpread(random.Fork(0x4B4D), meanScale: StandardNormalJitter, logSigma: 0f);
            return;
        }

        var tape = new Tape { RecordGradients = false };
        var (latent, _) = model.Flow.Forward(tape, tape.Constant(standardised));
        var points = tape.Value(latent).Clone();
        model.Base.InitializeFromData(points, random.Fork(0x4B4D), kMeansIterations);
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
