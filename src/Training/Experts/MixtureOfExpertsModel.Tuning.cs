using MLNetMixture.Training.Data;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Training.Experts;

/// <content>Time-budgeted tuning: <see cref="Tune"/>.</content>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>The settings the search varies around the starting ones.</summary>
    private static readonly SearchAxis<MixtureOfExpertsModelOptions>[] SearchAxes =
    [
        new("experts", o => Label(o.Architecture.Experts), [("4", o => o.Architecture.Experts = 4), ("8", o => o.Architecture.Experts = 8), ("16", o => o.Architecture.Experts = 16)]),
        new("hidden", o => string.Join('x', o.Architecture.ExpertHiddenSizes), [("64", o => o.Architecture.ExpertHiddenSizes = [64]), ("128", o => o.Architecture.ExpertHiddenSizes = [128]), ("256", o => o.Architecture.ExpertHiddenSizes = [256]), ("128x128", o => o.Architecture.ExpertHiddenSizes = [128, 128])]),
        new("lr", o => Label(o.Optimization.LearningRate), [("0.01", o => o.Optimization.LearningRate = 1e-2f), ("0.003", o => o.Optimization.LearningRate = 3e-3f)]),
        new("wd", o => Label(o.Optimization.WeightDecay), [("0.03", o => o.Optimization.WeightDecay = 3e-2f), ("0.3", o => o.Optimization.WeightDecay = 3e-1f)]), // around the default 0.1: the defaults' cross-validation favoured 0.3 on satellite, sonar and dna and 0.03 on letter
        new("batch", o => Label(o.Optimization.BatchSize), [("64", o => o.Optimization.BatchSize = 64), ("128", o => o.Optimization.BatchSize = 128)]),
    ];

    /// <summary>
    /// Searches settings for <paramref name="training"/> within <paramref name="budget"/>: stratified k-fold
    /// cross-validation on the training rows only (5 folds below 10,000 rows, 3 above, split by the settings' seed), the
    /// starting settings first, then a seeded random order of experts {4, 8, 16} × expert widths {64, 128, 256,
    /// 128x128} × learning rate {0.01, 0.003} × weight decay {0.01, 0.0001} × batch {64, 128}. Each candidate is fitted
    /// on the other folds (with its own early-stopping hold-out) and scored by its accuracy on the held-out fold; the
    /// best mean wins, ties going to the lower log-loss. A candidate counts only when all its folds finish in the
    /// budget. Fit <see cref="TuningReport{TSettings}.Chosen"/> on every row afterwards (<c>Fit</c> does both when
    /// <see cref="MixtureOfExpertsModelOptions.TuningBudget"/> is set).
    /// </summary>
    /// <param name="training">Labelled training rows.</param>
    /// <param name="options">The starting settings; null uses the defaults.</param>
    /// <param name="budget">The time for the search.</param>
    /// <param name="progress">Receives each scored candidate; may be null.</param>
    /// <param name="cancellationToken">Ends the search early; the best scored candidate is chosen.</param>
    public static TuningReport<MixtureOfExpertsModelOptions> Tune(FeatureTable training, MixtureOfExpertsModelOptions? options, TimeSpan budget, IProgress<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        var start = options?.Clone() ?? new MixtureOfExpertsModelOptions();
        start.TuningBudget = null;
        start.Validate();
        if (training.Labels is null)
        {
            throw new ArgumentException($"The training set {training.Source} has no labels to tune on.", nameof(training));
        }

        int folds = CrossValidationFolds.DefaultCount(training.Rows);
        var foldRows = CrossValidationFolds.Stratified(training.Labels, folds, start.Seed);
        return BudgetedSearch.CrossValidate(training, start, foldRows, SearchAxes, o => o.Clone(), (rows, settings, token) => Fit(rows, settings, cancellationToken: token), HeldOutScore, budget, progress, cancellationToken);
    }

    private static string Label(float value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A fold's score: accuracy on the held-out rows, ties broken by the lower log-loss.</summary>
    private static (double Score, double TieBreak) HeldOutScore(MixtureOfExpertsModel model, FeatureTable held)
    {
        var metrics = model.Evaluate(held);
        return (metrics.Accuracy, -metrics.LogLoss);
    }

    /// <summary>Keeps the search that chose this model's settings.</summary>
    private MixtureOfExpertsModel WithTuning(TuningReport<MixtureOfExpertsModelOptions> report)
    {
        Tuning = report;
        return this;
    }

    private static string Label(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
