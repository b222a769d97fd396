using MLNetMixture.Training.Data;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Training.Flows;

/// <content>Time-budgeted tuning: <see cref="Tune"/>.</content>
public sealed partial class MixtureDensityFlowModel
{
    /// <summary>The settings the search varies around the starting ones.</summary>
    private static readonly SearchAxis<MixtureDensityFlowOptions>[] SearchAxes =
    [
        new("flow", o => o.Architecture.FlowType.ToString(), [("SplineCoupling", o => o.Architecture.FlowType = FlowType.SplineCoupling), ("MaskedAutoregressive", o => o.Architecture.FlowType = FlowType.MaskedAutoregressive), ("AffineCoupling", o => o.Architecture.FlowType = FlowType.AffineCoupling)]),
        new("layers", o => Label(o.Architecture.Layers), [("5", o => o.Architecture.Layers = 5), ("10", o => o.Architecture.Layers = 10)]),
        new("hidden", o => string.Join('x', o.Architecture.HiddenSizes), [("32x32", o => o.Architecture.HiddenSizes = [32, 32]), ("64x64", o => o.Architecture.HiddenSizes = [64, 64]), ("128x128", o => o.Architecture.HiddenSizes = [128, 128])]),
        new("components", o => Label(o.Architecture.Components), [("1", o => o.Architecture.Components = 1), ("4", o => o.Architecture.Components = 4), ("8", o => o.Architecture.Components = 8)]),
        new("batch", o => Label(o.Optimization.BatchSize), [("64", o => o.Optimization.BatchSize = 64), ("128", o => o.Optimization.BatchSize = 128)]),
        new("lr", o => o.Optimization.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture), [("0.001", o => o.Optimization.LearningRate = 1e-3f), ("0.003", o => o.Optimization.LearningRate = 3e-3f)]),
    ];

    /// <summary>
    /// Searches settings for <paramref name="train"/> within <paramref name="budget"/>: k-fold cross-validation on the
    /// training rows (5 folds below 10,000 rows, 3 above, split by the settings' seed), the starting settings first, then
    /// a seeded random order of flow {spline, MAF, affine} × layers {5, 10} × widths {32x32, 64x64, 128x128} ×
    /// components {1, 4, 8} × batch {64, 128} × learning rate {0.001, 0.003}. Each candidate is fitted on the other folds
    /// (with its own early-stopping hold-out) and scored by the mean log-density of the held-out fold; the best mean
    /// wins. A candidate counts only when all its folds finish in the budget. Fit
    /// <see cref="TuningReport{TSettings}.Chosen"/> on every row afterwards (<see cref="Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> does both when
    /// <see cref="MixtureDensityFlowOptions.TuningBudget"/> is set).
    /// </summary>
    /// <param name="train">Training rows.</param>
    /// <param name="options">The starting settings; null uses the defaults.</param>
    /// <param name="budget">The time for the search.</param>
    /// <param name="progress">Receives each scored candidate; may be null.</param>
    /// <param name="cancellationToken">Ends the search early; the best scored candidate is chosen.</param>
    public static TuningReport<MixtureDensityFlowOptions> Tune(FeatureTable train, MixtureDensityFlowOptions? options, TimeSpan budget, IProgress<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var start = options?.Clone() ?? new MixtureDensityFlowOptions();
        start.TuningBudget = null;
        start.Validate();
        int folds = CrossValidationFolds.DefaultCount(train.Rows);
        var foldRows = CrossValidationFolds.Random(train.Rows, folds, start.Seed);
        return BudgetedSearch.CrossValidate(train, start, foldRows, SearchAxes, o => o.Clone(), (rows, settings, token) => Fit(rows, settings, cancellationToken: token), HeldOutScore, budget, progress, cancellationToken);
    }

    /// <summary>A fold's score: the mean log-density of the held-out rows (nats per row).</summary>
    private static (double Score, double TieBreak) HeldOutScore(MixtureDensityFlowModel model, FeatureTable held)
    {
        double score = model.LogDensity(held).Average(v => (double)v);
        return (score, score);
    }

    /// <summary>Keeps the search that chose this model's settings.</summary>
    private MixtureDensityFlowModel WithTuning(TuningReport<MixtureDensityFlowOptions> report)
    {
        Tuning = report;
        return this;
    }

    private static string Label(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
