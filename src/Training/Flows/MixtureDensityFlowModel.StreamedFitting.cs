using MLNetMixture.Training.Data;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <content>Streamed fitting: <see cref="Fit(IFeatureRowSource, MixtureDensityFlowOptions?, IFeatureRowSource?, IProgress{TrainingProgress}?, CancellationToken)"/> trains on data read in passes.</content>
public sealed partial class MixtureDensityFlowModel
{
    /// <summary>The most training rows (a reservoir sample) streamed fitting keeps for ActNorm and the base's k-means.</summary>
    public const int InitializationSampleRows = 20000;

    /// <summary>
    /// Fits a flow as <see cref="Fit(FeatureTable, MixtureDensityFlowOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// does, reading the data in passes instead of holding it, so that memory is bounded by
    /// <see cref="OptimizationOptions.ShuffleBufferRows"/>, not by the data.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A first pass counts the rows, learns the standardisation (one-pass mean and deviation, float64) and keeps a seeded
    /// reservoir sample of <see cref="InitializationSampleRows"/> rows for ActNorm and the base's k-means. Without a
    /// validation source, row i (0-based, in source order) is held out when a seeded hash of i falls below
    /// <see cref="ValidationOptions.ValidationFraction"/> (about that share, not exactly), and the validation
    /// log-likelihood after each epoch is a streamed pass over those rows. Minibatches come from a shuffle buffer
    /// (<see cref="OptimizationOptions.ShuffleBufferRows"/>): data that fits it is read once and reshuffled each
    /// epoch; larger data is read once per epoch, each buffer fill shuffled on its own, so rows far apart in the source
    /// rarely share a minibatch: shuffle a sorted file first.
    /// </para>
    /// <para>
    /// The result depends on the rows, their order, the options, the seed and the thread count only: the same rows from
    /// a table in memory (<see cref="FeatureTableRowSource"/>), a CSV file (<see cref="CsvFileRowSource"/>) or an ML.NET
    /// data view give a bit-identical model. It differs from the in-memory <c>Fit(FeatureTable)</c>, which holds out an
    /// exact share of the rows and samples the initialisation rows differently.
    /// </para>
    /// </remarks>
    /// <param name="train">The training rows; the modelled columns are <see cref="MixtureDensityFlowOptions.FeatureColumns"/> or all.</param>
    /// <param name="options">The settings; null uses the defaults.</param>
    /// <param name="validation">Held-out rows with the same columns, or null to hold out rows of <paramref name="train"/> by hash.</param>
    /// <param name="progress">Receives a report after every epoch (samples/s and the time left include the reading).</param>
    /// <param name="cancellationToken">Stops training after the current step; the best parameters so far are returned.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">An option is invalid, the training data is empty, or a named column is missing.</exception>
    /// <exception cref="DataFormatException">A value is malformed, NaN or infinite (the message names the source, row and column).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite; lower the learning rate.</exception>
    public static MixtureDensityFlowModel Fit(IFeatureRowSource train, MixtureDensityFlowOptions? options = null, IFeatureRowSource? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = options ?? new MixtureDensityFlowOptions();
        o.Validate();
        if (o.TuningBudget is TimeSpan budget)
        {
            // A settings search fits many models on folds of the rows: it reads them into memory once.
            var report = Tune(FeatureTable.ReadAll(train), o, budget, cancellationToken: cancellationToken);
            return Fit(train, report.Chosen, validation, progress, cancellationToken).WithTuning(report);
        }

        var featureNames = o.FeatureColumns?.ToArray() ?? train.FeatureNames.ToArray();
        int d = featureNames.Length;
        var random = new RandomSource(o.Seed);
        var split = validation is null && o.Validation.ValidationFraction > 0 ? new HashValidationSplit(o.Validation.ValidationFraction, random.Fork(HoldOutStream).Seed) : null;

        // First pass: the training rows' count and moments, the initialisation sample, the held-out count.
        var moments = new RunningMoments(d);
        var sample = new RowReservoir(InitializationSampleRows, d, random.Fork(5));
        long first = 0, heldOut = 0;
        foreach (var block in new StreamedRows(train, featureNames, "The training data").ReadBlocks())
        {
            for (int r = 0; r < block.Rows; r++)
            {
                if (split?.IsValidation(first + r) == true)
                {
                    heldOut++;
                    continue;
                }

                moments.Add(block.Row(r));
                sample.Add(block.Row(r));
            }

            first += block.Rows;
        }

        if (moments.Count == 0 || moments.Count > int.MaxValue)
        {
            throw new ArgumentException($"The training data ({train.Source}) has {moments.Count} rows to train on ({heldOut} held out for validation): a density model needs 1 to {int.MaxValue}.", nameof(train));
        }

        int n = (int)moments.Count;
        var validationRows = validation is not null
            ? new StreamedRows(validation, featureNames, "The validation data")
            : heldOut > 0 ? new StreamedRows(train, featureNames, "The validation data", split, validationPart: true) : null;

        // Streamed training fits once: a base chosen by validation between two fits starts from k-means here.
        var baseStart = o.Architecture.SingleFitBaseStart();
        var architecture = ArchitectureFor(o, d) with { BaseInitialization = baseStart };
        var model = architecture.Build(random.Fork(1));
        architecture = architecture with { Permutations = MixtureDensityFlowArchitecture.PermutationsOf(model) };
        model.Standardizer?.SetMoments(moments.Mean, moments.StandardDeviations());
        MixtureDensityFlowInitializer.InitializeFromSample(model, sample.ToTensor(), random.Fork(2), baseInitialization: baseStart);

        var trainerOptions = TrainerOptionsFor(o, random);
        using var order = new ShuffleBufferMinibatchOrder(
            new StreamedRows(train, featureNames, "The training data", split, validationPart: false),
            n,
            o.Optimization.ShuffleBufferRows,
            Math.Min(o.Optimization.BatchSize, n),
            new RandomSource(trainerOptions.Seed).Fork(1));
        var likelihood = new MaximumLikelihoodFlowObjective(model, order.Features, null, o.Threads);
        ITrainingObjective objective = validationRows is null
            ? likelihood
            : new StreamedValidationObjective(likelihood, MaximumLikelihoodFlowObjective.ValidationLogLikelihoodStatistic, () => StreamedLogLikelihood(likelihood, validationRows));
        var result = MinibatchTrainer.Fit(objective, trainerOptions, order, progress, cancellationToken);
        return new MixtureDensityFlowModel(model, architecture, featureNames, result) { Threads = o.Threads };
    }

    /// <summary>The mean log-likelihood per row of streamed rows, block by block.</summary>
    private static (double Score, IReadOnlyDictionary<string, double> Statistics) StreamedLogLikelihood(MaximumLikelihoodFlowObjective likelihood, StreamedRows rows)
    {
        double sum = 0;
        long count = 0;
        StreamedEvaluation.ForEachBlock(rows, null, null, (block, _) =>
        {
            sum += likelihood.MeanLogLikelihood(block) * block.Shape[0];
            count += block.Shape[0];
        });
        if (count == 0)
        {
            throw new ArgumentException($"The validation data ({rows.Source.Source}) has no rows.", nameof(rows));
        }

        double mean = sum / count;
        return (mean, new Dictionary<string, double> { [MaximumLikelihoodFlowObjective.ValidationLogLikelihoodStatistic] = mean });
    }
}
