using MLNetMixture.Training.Data;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <content>Fitting: <see cref="Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> trains a flow on a <see cref="FeatureTable"/>.</content>
public sealed partial class MixtureDensityFlowModel
{
    /// <summary>
    /// Fits a mixture-density normalizing flow to the rows of <paramref name="train"/> by maximum likelihood: a stack
    /// of invertible layers (RealNVP, neural spline or masked autoregressive) on standardised inputs, over a learnable
    /// mixture-of-Gaussians base. The fitted model scores log-densities, samples, assigns rows to base components and
    /// saves to a model file.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Training: the standardiser learns the training means and deviations, ActNorm layers (if any) normalise the
    /// first batch, and a K-component base starts as <see cref="MixtureDensityFlowArchitecture.BaseInitialization"/>
    /// says (the flow starts at the identity): by default it is fitted twice, from the k-means clusters of the
    /// standardised data and from jittered standard normals, and the fit with the better validation log-likelihood is
    /// kept (its start is in the returned model's <see cref="Architecture"/>; <paramref name="progress"/> reports both
    /// fits in turn). Adam (decoupled weight decay, cosine learning rate, gradient clipping) then minimises
    /// <c>-mean log p(x)</c> over minibatches; after every epoch the validation log-likelihood decides whether the
    /// parameters are the best so far. The best-validation parameters are kept — also when training stops early, is
    /// cancelled or diverges.
    /// </para>
    /// <para>The same options, data and seed give a bit-identical model for a given thread count.</para>
    /// </remarks>
    /// <param name="train">Training rows; the modelled columns are <see cref="MixtureDensityFlowOptions.FeatureColumns"/> or all. Labels are ignored.</param>
    /// <param name="options">The settings; null uses the defaults.</param>
    /// <param name="validation">
    /// Held-out rows with the same columns for early stopping and choosing the best epoch; null carves
    /// <see cref="ValidationOptions.ValidationFraction"/> of <paramref name="train"/> (a seeded random subset).
    /// </param>
    /// <param name="progress">Receives a <see cref="TrainingProgress"/> after every epoch: training loss (minus the train
    /// log-likelihood), validation log-likelihood, samples/s, and in <see cref="TrainingProgress.Statistics"/> the
    /// <c>"train log-likelihood"</c> and <c>"validation log-likelihood"</c> in nats per row.</param>
    /// <param name="cancellationToken">Stops training after the current step; the best parameters so far are returned.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">An option is invalid, the training set is empty, or a named column is missing.</exception>
    /// <exception cref="DataFormatException">A feature value is NaN or infinite (the message names the row and column).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite; lower the learning rate.</exception>
    public static MixtureDensityFlowModel Fit(FeatureTable train, MixtureDensityFlowOptions? options = null, FeatureTable? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = options ?? new MixtureDensityFlowOptions();
        o.Validate();
        if (o.TuningBudget is TimeSpan budget)
        {
            var report = Tune(train, o, budget, cancellationToken: cancellationToken);
            return Fit(train, report.Chosen, validation, progress, cancellationToken).WithTuning(report);
        }

        if (train.Rows == 0)
        {
            throw new ArgumentException($"The training set ({train.Source}) is empty: a density model needs at least one row.", nameof(train));
        }

        var featureNames = o.FeatureColumns?.ToArray() ?? train.FeatureNames.ToArray();
        int d = featureNames.Length;
        var trainColumns = FeatureColumnSelection.Resolve(train, featureNames, "The training data", allowPositional: false);
        var trainRows = FeatureColumnSelection.Extract(train, trainColumns, requireFinite: true, "The training data");
        int n = train.Rows;

        var random = new RandomSource(o.Seed);
        float[]? validationRows = null;
        if (validation is not null)
        {
            var validationColumns = FeatureColumnSelection.Resolve(validation, featureNames, "The validation data", allowPositional: false);
            validationRows = validation.Rows == 0 ? null : FeatureColumnSelection.Extract(validation, validationColumns, requireFinite: true, "The validation data");
        }
        else if (HeldOutCount(n, o.Validation.ValidationFraction) is int held and > 0)
        {
            (trainRows, validationRows) = Split(trainRows, n, d, HeldOutRows(n, held, random.Fork(HoldOutStream)));
            n -= held;
        }

        var trainTensor = new Tensor(trainRows, n, d);
        var validationTensor = validationRows is null ? null : new Tensor(validationRows, validationRows.Length / d, d);
        if (!o.Architecture.FitsBothBaseStarts(validationTensor is not null))
        {
            // Without validation rows to choose with, a choice starts from k-means, which keeps the mixture's gain on separated modes.
            return FitOnce(o.Architecture.SingleFitBaseStart());
        }

        var fromClusters = FitOnce(MixtureBaseInitialization.KMeans);
        if (cancellationToken.IsCancellationRequested)
        {
            return fromClusters;
        }

        var fromStandardNormal = FitOnce(MixtureBaseInitialization.StandardNormal);
        return fromStandardNormal.Training!.BestValidation > fromClusters.Training!.BestValidation ? fromStandardNormal : fromClusters;

        MixtureDensityFlowModel FitOnce(MixtureBaseInitialization baseStart)
        {
            var architecture = ArchitectureFor(o, d) with { BaseInitialization = baseStart };
            var model = architecture.Build(random.Fork(1));
            architecture = architecture with { Permutations = MixtureDensityFlowArchitecture.PermutationsOf(model) };
            MixtureDensityFlowInitializer.Initialize(model, trainTensor, random.Fork(2), baseInitialization: baseStart);
            var objective = new MaximumLikelihoodFlowObjective(model, trainTensor, validationTensor, o.Threads);
            var trainerOptions = TrainerOptionsFor(o, random);
            var result = MinibatchTrainer.Fit(objective, trainerOptions, progress, cancellationToken);
            return new MixtureDensityFlowModel(model, architecture, featureNames, result) { Threads = o.Threads, Settings = o.Clone() };
        }
    }

    /// <summary>
    /// The rows <see cref="Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> holds out for validation when it is given no validation table: a seeded random
    /// <see cref="ValidationOptions.ValidationFraction"/> of them. <c>Fit(train, options)</c> trains exactly as
    /// <c>Fit(split.Training, options, split.Validation)</c> does, so a caller can score the model on the very rows that chose its
    /// parameters. Both parts keep the rows' original order.
    /// </summary>
    /// <param name="train">The training rows.</param>
    /// <param name="options">The settings <see cref="Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> is given (their <see cref="ValidationOptions.ValidationFraction"/> and <see cref="MixtureDensityFlowOptions.Seed"/>); null uses the defaults.</param>
    /// <returns>The rows trained on and the held-out rows; all rows and null when nothing is held out (ValidationFraction 0, or too few rows).</returns>
    public static (FeatureTable Training, FeatureTable? Validation) HoldOut(FeatureTable train, MixtureDensityFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new MixtureDensityFlowOptions();
        int n = train.Rows;
        if (HeldOutCount(n, options.Validation.ValidationFraction) is not (int held and > 0))
        {
            return (train, null);
        }

        var isHeld = HeldOutRows(n, held, new RandomSource(options.Seed).Fork(HoldOutStream));
        return (
            train.Select([.. Enumerable.Range(0, n).Where(i => !isHeld[i])], $"{train.Source} (rows trained on)"),
            train.Select([.. Enumerable.Range(0, n).Where(i => isHeld[i])], $"{train.Source} (held out for validation)"));
    }

    /// <summary>The architecture <paramref name="o"/> asks for on <paramref name="d"/> features (an automatic flow type resolved, so the model names what it is).</summary>
    private static MixtureDensityFlowArchitecture ArchitectureFor(MixtureDensityFlowOptions o, int d) =>
        o.Architecture with { Dimension = d, FlowType = o.Architecture.FlowTypeFor(d), HiddenSizes = [.. o.Architecture.HiddenSizes] };

    /// <summary>The trainer settings of <paramref name="o"/>; the trainer's seed is a fork of the model's <paramref name="random"/>.</summary>
    private static TrainerOptions TrainerOptionsFor(MixtureDensityFlowOptions o, RandomSource random) => new()
    {
        Optimization = o.Optimization,
        Validation = o.Validation,
        Seed = random.Fork(4).Seed,
        Threads = o.Threads,
    };

    /// <summary>The random stream (a fork of the seed's) that picks the held-out rows.</summary>
    private const ulong HoldOutStream = 3;

    /// <summary>How many of <paramref name="n"/> rows are held out: 0 unless both parts keep at least one row.</summary>
    private static int HeldOutCount(int n, double fraction)
    {
        int held = fraction > 0 ? (int)Math.Round(n * fraction) : 0;
        return held >= 1 && n - held >= 1 ? held : 0;
    }

    /// <summary>Which rows are held out: a random subset of <paramref name="held"/> rows.</summary>
    private static bool[] HeldOutRows(int n, int held, RandomSource random)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        random.Shuffle<int>(order);
        var isHeld = new bool[n];
        for (int i = 0; i < held; i++)
        {
            isHeld[order[i]] = true;
        }

        return isHeld;
    }

    private static (float[] Train, float[] Validation) Split(float[] rows, int n, int d, bool[] isHeld)
    {
        // Both parts keep the original row order.
        int held = isHeld.Count(h => h);
        var train = new float[(long)(n - held) * d];
        var validation = new float[(long)held * d];
        int t = 0, v = 0;
        for (int i = 0; i < n; i++)
        {
            var row = rows.AsSpan(i * d, d);
            if (isHeld[i])
            {
                row.CopyTo(validation.AsSpan(v++ * d, d));
            }
            else
            {
                row.CopyTo(train.AsSpan(t++ * d, d));
            }
        }

        return (train, validation);
    }
}
