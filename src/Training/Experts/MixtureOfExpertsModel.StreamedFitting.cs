using MLNetMixture.Training.Data;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <content>Streamed fitting: <see cref="Fit(IFeatureRowSource, MixtureOfExpertsModelOptions?, IFeatureRowSource?, IProgress{TrainingProgress}?, CancellationToken)"/> trains on data read in passes.</content>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>
    /// Trains a classifier as <see cref="Fit(FeatureTable, MixtureOfExpertsModelOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// does, reading the data in passes instead of holding it, so that memory is bounded by
    /// <see cref="OptimizationOptions.ShuffleBufferRows"/>, not by the data.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A first pass counts the rows, collects the class labels and learns the standardisation (one-pass mean and
    /// deviation, float64). Without a validation source, row i (0-based, in source order) is held out when a seeded hash
    /// of i falls below <see cref="ValidationOptions.ValidationFraction"/> (about that share of every class,
    /// not stratified exactly), and the validation score after each epoch is a streamed pass over those rows (the expert
    /// utilisation statistics then come from the training rows in the buffer). Minibatches come from a shuffle buffer of
    /// <see cref="OptimizationOptions.ShuffleBufferRows"/> rows: data that fits it is read once and reshuffled
    /// each epoch; larger data is read once per epoch, each buffer fill shuffled on its own, so shuffle a file sorted by
    /// class first.
    /// </para>
    /// <para>
    /// The result depends on the rows, their order, the options, the seed and the thread count only: the same rows from a
    /// table in memory (<see cref="FeatureTableRowSource"/>), a CSV file (<see cref="CsvFileRowSource"/>) or an ML.NET data
    /// view give a bit-identical model. It differs from the in-memory <c>Fit(FeatureTable)</c>, whose split is stratified.
    /// </para>
    /// </remarks>
    /// <param name="training">Labelled training rows.</param>
    /// <param name="options">The settings; null uses the defaults (copied, as by the in-memory Fit).</param>
    /// <param name="validation">Labelled validation rows, or null to hold out rows of <paramref name="training"/> by hash.</param>
    /// <param name="progress">Receives a report after every epoch (samples/s and the time left include the reading).</param>
    /// <param name="cancellationToken">Stops training after the current step; the best model so far is returned.</param>
    /// <exception cref="ArgumentException">Empty training data, missing labels, fewer than two classes, every weight 0, or a validation label unknown to the training data.</exception>
    /// <exception cref="DataFormatException">A value is malformed, NaN or infinite (the message names the source, row and column).</exception>
    public static MixtureOfExpertsModel Fit(IFeatureRowSource training, MixtureOfExpertsModelOptions? options = null, IFeatureRowSource? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        var o = options?.Clone() ?? new MixtureOfExpertsModelOptions();
        o.Validate();
        if (o.TuningBudget is TimeSpan budget)
        {
            // A settings search fits many models on folds of the rows: it reads them into memory once.
            var report = Tune(FeatureTable.ReadAll(training), o, budget, cancellationToken: cancellationToken);
            return Fit(training, report.Chosen, validation, progress, cancellationToken).WithTuning(report);
        }

        foreach (var source in validation is null ? [training] : new[] { training, validation })
        {
            if (!source.HasLabels)
            {
                throw new ArgumentException($"The data {source.Source} has no labels; read it with its label column (label column '{o.LabelColumn}').", source == training ? nameof(training) : nameof(validation));
            }
        }

        var featureNames = o.FeatureColumns ?? training.FeatureNames;
        int d = featureNames.Count;
        var split = validation is null && o.Validation.ValidationFraction > 0 ? new HashValidationSplit(o.Validation.ValidationFraction, new RandomSource(o.Seed).Fork(0x5EED_5911).Seed) : null;

        // First pass: the training rows' count and moments, the class labels (of every row), the weights.
        var moments = new RunningMoments(d);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        long first = 0, heldOut = 0;
        bool weighted = false, anyPositiveWeight = false;
        foreach (var block in new StreamedRows(training, featureNames, "The training set").ReadBlocks())
        {
            for (int r = 0; r < block.Rows; r++)
            {
                labels.Add(block.Labels![r]);
                if (split?.IsValidation(first + r) == true)
                {
                    heldOut++;
                    continue;
                }

                moments.Add(block.Row(r));
                weighted |= block.Weights is not null;
                anyPositiveWeight |= block.Weights is not { } w || w[r] > 0;
            }

            first += block.Rows;
        }

        if (moments.Count == 0 || moments.Count > int.MaxValue)
        {
            throw new ArgumentException($"The training set {training.Source} has {moments.Count} rows to train on ({heldOut} held out for validation); a classifier needs 1 to {int.MaxValue}.", nameof(training));
        }

        if (!anyPositiveWeight)
        {
            throw new ArgumentException($"Every example weight of the training set {training.Source} is 0; nothing would be learned.", nameof(training));
        }

        var encoding = new ClassLabelEncoding(labels);
        if (encoding.Count < 2)
        {
            throw new ArgumentException($"The training set {training.Source} has a single class ('{encoding.Labels[0]}'); a classifier needs at least two.", nameof(training));
        }

        var standardizer = new Standardizer("standardizer", d);
        standardizer.SetMoments(moments.Mean, moments.StandardDeviations());
        var model = NetworkFor(o, d, encoding.Count);
        var trainer = TrainerOptionsFor(o);
        int n = (int)moments.Count;
        using var order = new ShuffleBufferMinibatchOrder(
            new StreamedRows(training, featureNames, "The training set", split, validationPart: false),
            n,
            o.Optimization.ShuffleBufferRows,
            Math.Min(o.Optimization.BatchSize, n),
            new RandomSource(trainer.Seed).Fork(1),
            block => encoding.Encode(block, "training set"),
            standardizer.Apply,
            weighted);
        var loss = ObjectiveFor(o, model, order.Features, order.Classes, order.Weights, null, null);
        var validationRows = validation is not null
            ? new StreamedRows(validation, featureNames, "The validation set")
            : heldOut > 0 ? new StreamedRows(training, featureNames, "The validation set", split, validationPart: true) : null;
        ITrainingObjective objective = validationRows is null
            ? loss
            : new StreamedValidationObjective(loss, loss.ValidationName, () => StreamedScore(model, encoding, standardizer, validationRows, o));
        var result = MinibatchTrainer.Fit(objective, trainer, order, progress, cancellationToken);
        return Fitted(model, standardizer, encoding, featureNames, o, result);
    }

    /// <summary>The validation score and its statistics (accuracy, log-loss) of streamed rows, block by block.</summary>
    private static (double Score, IReadOnlyDictionary<string, double> Statistics) StreamedScore(MixtureOfExperts model, ClassLabelEncoding encoding, Standardizer standardizer, StreamedRows rows, MixtureOfExpertsModelOptions o)
    {
        double correct = 0, logLoss = 0;
        long count = 0;
        StreamedEvaluation.ForEachBlock(rows, block => encoding.Encode(block, "validation set"), standardizer.Apply, (block, classes) =>
        {
            var (accuracy, blockLogLoss) = MixtureOfExpertsObjective.Score(model.Predict(block, o.Threads), classes);
            correct += accuracy * classes.Length;
            logLoss += blockLogLoss * classes.Length;
            count += classes.Length;
        });
        if (count == 0)
        {
            throw new ArgumentException($"The validation set {rows.Source.Source} has no rows.", nameof(rows));
        }

        double meanAccuracy = correct / count, meanLogLoss = logLoss / count;
        var statistics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MixtureOfExpertsStatistics.ValidationAccuracy] = meanAccuracy,
            [MixtureOfExpertsStatistics.ValidationLogLoss] = meanLogLoss,
        };
        return (o.ValidationMetric == MixtureOfExpertsValidationMetric.Accuracy ? meanAccuracy : -meanLogLoss, statistics);
    }
}
