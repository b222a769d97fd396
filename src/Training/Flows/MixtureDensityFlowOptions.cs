using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Settings of <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>, one record per concern: <see cref="Architecture"/>,
/// <see cref="Optimization"/> and <see cref="Validation"/>. The defaults fit small and medium tabular data sets
/// (hundreds to hundreds of thousands of rows, up to about a hundred features) without tuning: a 5-layer masked
/// autoregressive flow with LU-linear mixing and small tanh networks on standardised inputs (chosen on MINIBOONE and the
/// 2-D toys; see <see cref="MixtureDensityFlowArchitecture.FlowType"/> for the figures and the trade-offs), a held-out tenth for early stopping
/// and AdamW weight decay. They are declared here and in the records, nowhere else (the ML.NET estimators' options and
/// <c>mlmix flow fit</c> read them).
/// </summary>
/// <example>
/// <code>
/// var options = new MixtureDensityFlowOptions
/// {
///     Architecture = { FlowType = FlowType.AffineCoupling, Components = 4 },
///     Optimization = { Epochs = 50 },
/// };
/// </code>
/// </example>
public sealed class MixtureDensityFlowOptions : ITrainingSettings
{
    /// <summary>The flow's layers and base; see <see cref="MixtureDensityFlowArchitecture"/> for each default and why. Its dimension comes from the data.</summary>
    public MixtureDensityFlowArchitecture Architecture { get; set; } = new();

    /// <summary>
    /// AdamW with cosine decay. Defaults: at most 200 epochs (early stopping usually ends sooner) of 128-row batches
    /// (64–128 beat 256 on small data: more steps per epoch; with the default MAF on MINIBOONE validation 128 rows scored
    /// -18.33 and -18.62 nats per row for seeds 1 and 2, 64 rows -18.57 and -18.53), peak learning rate 1e-3, weight decay
    /// 0.01, clipping at 5.
    /// </summary>
    public OptimizationOptions Optimization { get; set; } = new() { Epochs = 200 };

    /// <summary>
    /// Validation and early stopping. Defaults: a tenth of the rows held out when no validation set is given, stopping
    /// after 20 epochs without a better log-likelihood (30 chose the same epoch for the default MAF on MINIBOONE, -18.33,
    /// at a third more training time).
    /// </summary>
    public ValidationOptions Validation { get; set; } = new();

    /// <summary>Seed of every random choice (initialisation, permutations, validation split, minibatch order). Default 1.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>
    /// Threads for training and scoring. 0 (the default): training picks the faster count by measuring its first steps
    /// (<see cref="TrainerOptions.Threads"/>), scoring uses every core. Results for a seed do not depend on it.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>
    /// When set, <c>Fit</c> first searches the settings by k-fold cross-validation on the training rows for at most this
    /// long (the starting settings first, then a seeded random order of a grid around them; see <c>Tune</c>), then fits
    /// the best on every row. Default null: no search.
    /// </summary>
    public TimeSpan? TuningBudget { get; set; }

    /// <summary>The feature columns to model, by name; null (the default) uses every column of the training table.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; set; }

    /// <summary>A deep copy of these settings.</summary>
    public MixtureDensityFlowOptions Clone() => new()
    {
        Architecture = Architecture with { HiddenSizes = [.. Architecture.HiddenSizes] },
        Optimization = Optimization with { },
        Validation = Validation with { },
        Seed = Seed,
        Threads = Threads,
        TuningBudget = TuningBudget,
        FeatureColumns = FeatureColumns is null ? null : [.. FeatureColumns],
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new SettingCheck("MixtureDensityFlow");
        check.That(Architecture is not null && Optimization is not null && Validation is not null, "settings", "null", "hold every record (Architecture, Optimization, Validation)");
        Architecture!.Validate();
        Optimization!.Validate();
        Validation!.Validate();
        check.That(Threads >= 0, nameof(Threads), Threads, "be non-negative (0 = chosen automatically)");
        check.That(TuningBudget is null || TuningBudget > TimeSpan.Zero, nameof(TuningBudget), TuningBudget, "be positive (or null for no search)");
        check.That(FeatureColumns is null || (FeatureColumns.Count > 0 && FeatureColumns.Distinct(StringComparer.Ordinal).Count() == FeatureColumns.Count), nameof(FeatureColumns), FeatureColumns, "name distinct columns (or be null for all)");
    }
}
