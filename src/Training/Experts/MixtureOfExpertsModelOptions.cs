using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// Settings of <see cref="MixtureOfExpertsModel.Fit(Data.FeatureTable, MixtureOfExpertsModelOptions?, Data.FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>,
/// one record per concern: <see cref="Architecture"/>, <see cref="Loss"/>, <see cref="Temperature"/>,
/// <see cref="Optimization"/> and <see cref="Validation"/>. The defaults train a good classifier on small and
/// medium tabular data sets (hundreds to tens of thousands of rows, up to a few hundred features) without tuning;
/// they are declared here and nowhere else (the ML.NET trainer's options and <c>mlmix moe fit</c> read them).
/// </summary>
/// <example>
/// <code>
/// var options = new MixtureOfExpertsModelOptions
/// {
///     Architecture = { Experts = 4 },
///     Optimization = { Epochs = 30 },
/// };
/// </code>
/// </example>
public sealed class MixtureOfExpertsModelOptions : ITrainingSettings
{
    /// <summary>Experts, gate and expert networks. Defaults: 8 experts, a linear gate, experts of one hidden layer of 128 ReLU units.</summary>
    public MixtureOfExpertsArchitecture Architecture { get; set; } = new();

    /// <summary>
    /// The gate objective and auxiliary terms. Defaults: <see cref="GateObjective.Marginal"/> (exact likelihood, no
    /// sampling noise) and a load-balancing weight of 0.01, which keeps the gate from sending every row to a few experts.
    /// <see cref="GateObjective.GumbelSoftmax"/> and <see cref="GateObjective.StraightThrough"/> sample the gate and push
    /// towards one expert per row, which is what top-1 routing at inference assumes.
    /// </summary>
    public MixtureOfExpertsLossOptions Loss { get; set; } = new() { LoadBalancingWeight = 0.01f };

    /// <summary>The gate temperature of the sampling objectives: from 1 to 0.5, reached after 80% of the planned steps.</summary>
    public TemperatureAnnealing Temperature { get; set; } = new();

    /// <summary>
    /// AdamW with cosine decay to zero. Defaults: 100 epochs of 128-row batches, but at most 2,000,000 training rows
    /// visited in all (<see cref="OptimizationOptions.MaxRowVisits"/>: 44 epochs on 46,400 rows, 34 on 60,000, so the
    /// fit time stops growing with the rows; in 3-fold cross-validation on shuttle's 46,400 training rows 45, 65 and
    /// 100 epochs scored alike), weight decay 0.1, clipping at 5, and a peak learning rate of 1e-2 (with 3e-3 or 5e-3
    /// letter was still far from converged after 100 epochs: 0.936 and 0.959 test accuracy against 0.967).
    /// The weight decay was chosen by 5-fold cross-validation on the training files of digits, satellite, letter,
    /// sonar, ionosphere and dna (benchmarks/results/2026-12-07-moe-defaults-v2.txt): 0.1 had the best mean held-out
    /// accuracy over the six (0.01 and 0.03 were never better, but for 0.03 on letter by 0.07 points; 0.3 gained
    /// 0.2-0.6 points on satellite, sonar and dna and lost 1.3 on letter). 200 epochs gained 0.15-0.3 points over 100
    /// on digits, letter and dna in 5-fold cross-validation; in 10-fold cross-validation, where each model trains on
    /// more of the rows as the final one does, they gained 0.2 points on digits and satellite but lost 1.5 on dna
    /// (0.9407 against 0.9553), so the defaults keep 100, at half the time.
    /// </summary>
    public OptimizationOptions Optimization { get; set; } = new() { MaxRowVisits = 2_000_000, WeightDecay = 0.1f, LearningRate = 1e-2f };

    /// <summary>
    /// Validation and early stopping. Defaults: no rows held out and no early stopping, so every training row is
    /// trained on and the cosine schedule runs to its end, and the last epoch's parameters are kept. In 5-fold
    /// cross-validation on the six training files above, every way of holding out 10% of the rows and keeping the
    /// best epoch on them (early stopping on log-loss or accuracy with patience 15, or the full schedule and the best
    /// epoch) lost 0.4-6.1 points of held-out accuracy against this. A validation set passed to <c>Fit</c> (or a
    /// <see cref="ValidationOptions.ValidationFraction"/> above 0) is scored every epoch, and the epoch with the best
    /// <see cref="ValidationMetric"/> is kept; set <see cref="ValidationOptions.EarlyStoppingPatience"/> to also stop early.
    /// </summary>
    public ValidationOptions Validation { get; set; } = new() { ValidationFraction = 0, EarlyStoppingPatience = 0 };

    /// <summary>
    /// The validation score the kept parameters maximise (and early stopping follows, when it is on) when there are
    /// validation rows. Default <see cref="MixtureOfExpertsValidationMetric.NegativeLogLoss"/>: on small validation
    /// splits accuracy soon stops changing (one of the 144 rows held out of the 1,437 digits training rows is 0.7%);
    /// the log-loss keeps telling better models apart. Progress reports carry the validation accuracy either way.
    /// </summary>
    public MixtureOfExpertsValidationMetric ValidationMetric { get; set; } = MixtureOfExpertsValidationMetric.NegativeLogLoss;

    /// <summary>Seed of the initialisation, the validation split, the minibatch order and the Gumbel noise. Default 1.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>
    /// Threads for training and prediction. 0 (the default): training picks the faster count by measuring its first
    /// steps (<see cref="TrainerOptions.Threads"/>; results do not depend on it), prediction uses every core.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>
    /// When set, <c>Fit</c> first searches the settings by k-fold cross-validation on the training rows for at most this
    /// long (the starting settings first, then a seeded random order of a grid around them; see <c>Tune</c>), then fits
    /// the best on every row. Default null: no search.
    /// </summary>
    public TimeSpan? TuningBudget { get; set; }

    /// <summary>The label column when training from a CSV file. Default "label".</summary>
    public string LabelColumn { get; set; } = "label";

    /// <summary>
    /// The feature columns, by name; null (the default) uses every feature column of the training table. The
    /// model remembers them and picks them by name from the tables it scores.
    /// </summary>
    public IReadOnlyList<string>? FeatureColumns { get; set; }

    /// <summary>A deep copy of these settings (a custom <see cref="TemperatureAnnealing.Schedule"/> is shared).</summary>
    public MixtureOfExpertsModelOptions Clone() => new()
    {
        Architecture = Architecture.Copy(),
        Loss = Loss with { },
        Temperature = Temperature with { },
        Optimization = Optimization with { },
        Validation = Validation with { },
        ValidationMetric = ValidationMetric,
        Seed = Seed,
        Threads = Threads,
        TuningBudget = TuningBudget,
        LabelColumn = LabelColumn,
        FeatureColumns = FeatureColumns is null ? null : [.. FeatureColumns],
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting and what it must be.</summary>
    public void Validate()
    {
        var check = new SettingCheck("MixtureOfExperts");
        check.That(Architecture is not null && Loss is not null && Temperature is not null && Optimization is not null && Validation is not null, "settings", "null", "hold every record (Architecture, Loss, Temperature, Optimization, Validation)");
        Architecture!.Validate();
        Loss!.Validate();
        Temperature!.Validate();
        Optimization!.Validate();
        Validation!.Validate();
        check.That(Enum.IsDefined(ValidationMetric), nameof(ValidationMetric), ValidationMetric, "be a defined metric");
        check.That(Threads >= 0, nameof(Threads), Threads, "be non-negative (0 = chosen automatically)");
        check.That(TuningBudget is null || TuningBudget > TimeSpan.Zero, nameof(TuningBudget), TuningBudget, "be positive (or null for no search)");
        check.That(!string.IsNullOrWhiteSpace(LabelColumn), nameof(LabelColumn), LabelColumn, "name a column");
        if (FeatureColumns is not null)
        {
            check.That(FeatureColumns.Count > 0 && FeatureColumns.All(c => !string.IsNullOrWhiteSpace(c)), nameof(FeatureColumns), FeatureColumns, "be null (every column) or name at least one column");
            var duplicate = FeatureColumns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            check.That(duplicate is null, nameof(FeatureColumns), FeatureColumns, $"name each column once ('{duplicate?.Key}' is repeated)");
        }
    }
}
