using MLNetMixture.Training.Data;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <content>Fitting: <see cref="Fit(FeatureTable, MixtureOfExpertsModelOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/> trains a classifier on a <see cref="FeatureTable"/> or CSV files.</content>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>
    /// Trains a mixture-of-experts classifier with a (Gumbel-softmax) gate on <paramref name="training"/>. Progress
    /// reports after every epoch carry the epoch, training loss, samples/s and, in <see cref="TrainingProgress.Statistics"/> (keys in <see cref="MixtureOfExpertsStatistics"/>),
    /// validation accuracy and log-loss, the gate temperature and the expert utilisation.
    /// </summary>
    /// <param name="training">Labelled training rows.</param>
    /// <param name="options">The settings; null uses the defaults. They are copied; the fitted model keeps the copy in <see cref="Options"/>.</param>
    /// <param name="validation">Labelled validation rows for early stopping, or null to hold out a stratified split of <paramref name="training"/>.</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">
    /// Stops training after the current step. Fit then still returns a usable model, with the best parameters
    /// seen (<see cref="TrainingResult.Cancelled"/> is true in <see cref="MixtureOfExpertsModel.Training"/>).
    /// </param>
    /// <remarks>
    /// <para>
    /// Fit learns a per-feature standardisation from the training rows (stored with the model), maps the labels to
    /// classes, and trains with AdamW over the cosine schedule. By default it trains on every row and keeps the last
    /// epoch; with a validation table, or a stratified split of the training rows held out when
    /// <see cref="ValidationOptions.ValidationFraction"/> is above 0, it scores every epoch and keeps the best
    /// parameters (stopping early after <see cref="ValidationOptions.EarlyStoppingPatience"/> epochs without a better
    /// score, when that is above 0).
    /// </para>
    /// <para>
    /// With <see cref="FeatureTable.Weights"/> on <paramref name="training"/>, each row's term of the likelihood loss is
    /// multiplied by its weight and normalised by the minibatch's weight sum (a row of weight 2 counts as two copies;
    /// weight 0 removes it from the loss). The standardisation, the validation split and the validation score are
    /// unweighted; the validation table's weights are not used.
    /// </para>
    /// <para>
    /// Labels are strings; the classes are in sorted order, numerically when every label is an integer (so the labels
    /// "0".."9" are classes 0..9 and stay "0".."9" in predictions), otherwise by ordinal string comparison. The order
    /// does not depend on the order of the rows.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">Empty training set, missing labels, NaN or infinite features, fewer than two classes, a class too small for the validation split, or a validation label unknown to the training set.</exception>
    public static MixtureOfExpertsModel Fit(FeatureTable training, MixtureOfExpertsModelOptions? options = null, FeatureTable? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        var o = options?.Clone() ?? new MixtureOfExpertsModelOptions();
        o.Validate();
        if (o.TuningBudget is TimeSpan budget)
        {
            var report = Tune(training, o, budget, cancellationToken: cancellationToken);
            return Fit(training, report.Chosen, validation, progress, cancellationToken).WithTuning(report);
        }

        if (training.Rows == 0)
        {
            throw new ArgumentException($"The training set {training.Source} is empty.", nameof(training));
        }

        if (training.Labels is null)
        {
            throw new ArgumentException($"The training set {training.Source} has no labels; read it with its label column (e.g. CsvFeatureReader.Read(path, label: \"{o.LabelColumn}\")).", nameof(training));
        }

        var featureNames = o.FeatureColumns ?? training.FeatureNames;
        var features = FeatureMatrix.FromTable(training, featureNames, "training set");
        var encoding = new ClassLabelEncoding(training.Labels);
        if (encoding.Count < 2)
        {
            throw new ArgumentException($"The training set {training.Source} has a single class ('{encoding.Labels[0]}'); a classifier needs at least two.", nameof(training));
        }

        var classes = encoding.Encode(training, "training set");
        int d = featureNames.Count;
        var weights = training.Weights;
        if (weights is not null && !weights.Any(w => w > 0))
        {
            throw new ArgumentException($"Every example weight of the training set {training.Source} is 0; nothing would be learned.", nameof(training));
        }

        IReadOnlyList<float>? trainWeights = weights;
        float[] trainFeatures, validationFeatures;
        int[] trainClasses, validationClasses;
        if (validation is not null)
        {
            if (validation.Rows == 0)
            {
                throw new ArgumentException($"The validation set {validation.Source} is empty; pass null to hold out part of the training set instead.", nameof(validation));
            }

            if (validation.Labels is null)
            {
                throw new ArgumentException($"The validation set {validation.Source} has no labels.", nameof(validation));
            }

            trainFeatures = features;
            trainClasses = classes;
            validationFeatures = FeatureMatrix.FromTable(validation, featureNames, "validation set");
            validationClasses = encoding.Encode(validation, "validation set");
        }
        else if (o.Validation.ValidationFraction > 0)
        {
            var (trainRows, validationRows) = StratifiedSplit.Split(classes, encoding.Labels, o.Validation.ValidationFraction, o.Seed, training.Source);
            (trainFeatures, trainClasses) = Gather(features, classes, trainRows, d);
            trainWeights = weights is null ? null : trainRows.Select(r => weights[r]).ToArray();
            (validationFeatures, validationClasses) = Gather(features, classes, validationRows, d);
        }
        else
        {
            trainFeatures = features;
            trainClasses = classes;
            validationFeatures = [];
            validationClasses = [];
        }

        var standardizer = new Standardizer("standardizer", d);
        standardizer.Fit(trainFeatures, trainClasses.Length);
        standardizer.Apply(trainFeatures);
        bool hasValidation = validationClasses.Length > 0;
        if (hasValidation)
        {
            standardizer.Apply(validationFeatures);
        }

        var model = NetworkFor(o, d, encoding.Count);
        var objective = ObjectiveFor(
            o,
            model,
            new Tensor(trainFeatures, trainClasses.Length, d),
            trainClasses,
            trainWeights,
            hasValidation ? new Tensor(validationFeatures, validationClasses.Length, d) : null,
            hasValidation ? validationClasses : null);
        var result = MinibatchTrainer.Fit(objective, TrainerOptionsFor(o), progress, cancellationToken);
        return Fitted(model, standardizer, encoding, featureNames, o, result);
    }

    /// <summary>The untrained network <paramref name="o"/> asks for on <paramref name="inputs"/> features and <paramref name="classes"/> classes.</summary>
    private static MixtureOfExperts NetworkFor(MixtureOfExpertsModelOptions o, int inputs, int classes) => new(inputs, classes, o.Architecture, o.Seed);

    /// <summary>The objective that trains <paramref name="model"/> on standardised rows as <paramref name="o"/> asks (no gate terms for one expert).</summary>
    private static MixtureOfExpertsObjective ObjectiveFor(MixtureOfExpertsModelOptions o, MixtureOfExperts model, Tensor features, int[] classes, IReadOnlyList<float>? weights, Tensor? validationFeatures, int[]? validationClasses) =>
        new(model, features, classes, o.Architecture.Experts > 1 ? o.Loss : o.Loss with { LoadBalancingWeight = 0f, GateEntropyWeight = 0f }, validationFeatures, validationClasses)
        {
            Temperature = o.Temperature,
            Weights = weights,
            ValidationMetric = o.ValidationMetric,
            Threads = o.Threads,
        };

    /// <summary>
    /// Rows per batch part at the least (<see cref="TrainerOptions.BatchPartRows"/>): 64, half the trainer's default, so
    /// that the default 128-row batches are cut in two on a machine with two or more cores. A mixture-of-experts step is
    /// light (about 0.1 MFLOP per row on letter) and one whole 128-row batch cannot keep two cores busy: on a 2-core AMD
    /// EPYC with AVX-512, the default model on letter trained 261,000 samples/s with 1 thread and 272,000 with 2 as whole
    /// batches, against 247,000 and 404,000 in two parts (<c>thread-scaling letter-defaults 10 0.2 128|64</c>,
    /// 2026-12-07, best of 10 rounds, load 2.4-2.7). The parts depend on the machine's cores, not on
    /// <see cref="MixtureOfExpertsModelOptions.Threads"/>, so results stay the same for any thread count.
    /// </summary>
    public const int BatchPartRows = 64;

    /// <summary>The trainer settings of <paramref name="o"/>.</summary>
    private static TrainerOptions TrainerOptionsFor(MixtureOfExpertsModelOptions o) => new()
    {
        Optimization = o.Optimization,
        Validation = o.Validation,
        Seed = o.Seed,
        Threads = o.Threads,
        BatchPartRows = BatchPartRows,
    };

    /// <summary>The fitted model, keeping a copy of the options with the feature columns used.</summary>
    private static MixtureOfExpertsModel Fitted(MixtureOfExperts model, Standardizer standardizer, ClassLabelEncoding encoding, IReadOnlyList<string> featureNames, MixtureOfExpertsModelOptions o, TrainingResult result)
    {
        var used = o.Clone();
        used.FeatureColumns = [.. featureNames];
        return new MixtureOfExpertsModel(model, standardizer, encoding, featureNames, used, result, topK: null);
    }

    /// <summary>
    /// The rows <see cref="Fit(FeatureTable, MixtureOfExpertsModelOptions?, FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// holds out for validation when it is given no validation table: a stratified, seeded
    /// <see cref="ValidationOptions.ValidationFraction"/> of every class. <c>Fit(training, options)</c> trains
    /// exactly as <c>Fit(split.Training, options, split.Validation)</c> does, so a caller can evaluate the model on the very rows
    /// that chose its parameters. Both parts keep the rows' original order.
    /// </summary>
    /// <param name="training">Labelled training rows.</param>
    /// <param name="options">The settings Fit is given (their <see cref="ValidationOptions.ValidationFraction"/> and <see cref="MixtureOfExpertsModelOptions.Seed"/>); null uses the defaults.</param>
    /// <returns>The rows trained on and the held-out rows; all rows and null when ValidationFraction is 0.</returns>
    /// <exception cref="ArgumentException">An option is invalid, the table has no labels, or a class has a single row.</exception>
    public static (FeatureTable Training, FeatureTable? Validation) HoldOut(FeatureTable training, MixtureOfExpertsModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        options ??= new MixtureOfExpertsModelOptions();
        options.Validate();
        if (options.Validation.ValidationFraction <= 0)
        {
            return (training, null);
        }

        if (training.Labels is null)
        {
            throw new ArgumentException($"The training set {training.Source} has no labels; a stratified split needs them.", nameof(training));
        }

        var encoding = new ClassLabelEncoding(training.Labels);
        var classes = encoding.Encode(training, "training set");
        var (trainRows, validationRows) = StratifiedSplit.Split(classes, encoding.Labels, options.Validation.ValidationFraction, options.Seed, training.Source);
        return (training.Select(trainRows, $"{training.Source} (rows trained on)"), training.Select(validationRows, $"{training.Source} (held out for validation)"));
    }

    /// <summary>
    /// Reads CSV files with <see cref="MixtureOfExpertsModelOptions.LabelColumn"/> as the label (and
    /// <see cref="MixtureOfExpertsModelOptions.FeatureColumns"/>, or every other column, as features) and trains.
    /// </summary>
    /// <param name="trainingPath">The training CSV (.csv or .csv.gz).</param>
    /// <param name="options">The settings, including the label and feature columns; null uses the defaults.</param>
    /// <param name="validationPath">A validation CSV, or null to hold out a split of the training file.</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">Stops training after the current step; the best model so far is returned.</param>
    public static MixtureOfExpertsModel Fit(string trainingPath, MixtureOfExpertsModelOptions? options = null, string? validationPath = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new MixtureOfExpertsModelOptions();
        string? features = options.FeatureColumns is null ? null : string.Join(',', options.FeatureColumns);
        var training = CsvFeatureReader.Read(trainingPath, features, options.LabelColumn);
        var validation = validationPath is null ? null : CsvFeatureReader.Read(validationPath, features, options.LabelColumn);
        return Fit(training, options, validation, progress, cancellationToken);
    }

    private static (float[] Features, int[] Classes) Gather(float[] features, int[] classes, int[] rows, int d)
    {
        var f = new float[rows.Length * d];
        var c = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            features.AsSpan(rows[i] * d, d).CopyTo(f.AsSpan(i * d, d));
            c[i] = classes[rows[i]];
        }

        return (f, c);
    }
}
