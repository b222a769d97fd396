using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Tests.Experts;
using MLNetMixture.Training.Tests.Flows;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Training.Tests.Tuning;

public sealed class TuningTests
{
    [Fact]
    public void Stratified_folds_cover_every_row_once_and_keep_class_shares()
    {
        var labels = Enumerable.Range(0, 103).Select(i => i % 10 == 0 ? "rare" : "common").ToArray();
        var folds = CrossValidationFolds.Stratified(labels, 5, seed: 3);
        Assert.Equal(Enumerable.Range(0, 103), folds.SelectMany(f => f).Order());
        Assert.All(folds, f => Assert.InRange(f.Length, 20, 21));
        Assert.All(folds, f => Assert.InRange(f.Count(r => labels[r] == "rare"), 2, 3));
        Assert.Equal(folds, CrossValidationFolds.Stratified(labels, 5, seed: 3));
        Assert.NotEqual(folds, CrossValidationFolds.Stratified(labels, 5, seed: 4));

        var random = CrossValidationFolds.Random(10, 3, seed: 1);
        Assert.Equal(Enumerable.Range(0, 10), random.SelectMany(f => f).Order());
        Assert.Equal(Enumerable.Range(0, 10).Except(random[1]), CrossValidationFolds.Complement(random, 1));
    }

    [Fact]
    public void A_budget_too_small_for_more_scores_the_defaults_and_chooses_them()
    {
        var (train, _) = MixtureOfExpertsFittingTests.Animals(perClass: 12, seed: 5);
        var options = Quick();
        var trials = new List<TuningTrial>();
        var report = MixtureOfExpertsModel.Tune(train, options, TimeSpan.FromMilliseconds(1), new Collect(trials), TestContext.Current.CancellationToken);

        var only = Assert.Single(report.Trials);
        Assert.Equal(0, report.ChosenTrial);
        Assert.Equal("(defaults)", only.Settings);
        Assert.Equal(5, only.FoldScores.Count);
        Assert.Equal(only.FoldScores.Average(), only.Score, 12);
        Assert.InRange(only.Score, 0.0, 1.0);
        Assert.Same(only, Assert.Single(trials));
        Assert.Equal(options.Architecture.Experts, report.Chosen.Architecture.Experts);
        Assert.Null(report.Chosen.TuningBudget);
        Assert.Equal(97, report.Candidates); // the 3 x 4 x 2 x 2 x 2 products all differ from these settings (2 experts), plus them
    }

    [Fact]
    public void A_longer_budget_tries_more_candidates_and_fit_keeps_the_best_one()
    {
        var (train, _) = MixtureOfExpertsFittingTests.Animals(perClass: 12, seed: 5);
        var options = Quick();
        options.TuningBudget = TimeSpan.FromSeconds(4);
        var model = MixtureOfExpertsModel.Fit(train, options, cancellationToken: TestContext.Current.CancellationToken);

        var report = Assert.IsType<TuningReport<MixtureOfExpertsModelOptions>>(model.Tuning);
        Assert.True(report.Trials.Count >= 2, $"{report.Trials.Count} trial(s) in {report.Elapsed}");
        var best = report.Trials.MaxBy(t => (t.Score, t.TieBreak))!;
        Assert.Same(best, report.Trials[report.ChosenTrial]);
        Assert.Equal(report.Chosen.Architecture.Experts, model.Options.Architecture.Experts);
        Assert.Equal(report.Chosen.Optimization, model.Options.Optimization);
        Assert.All(report.Trials.Skip(1), t => Assert.NotEqual("(defaults)", t.Settings));
        Assert.Equal(report.Trials.Count, report.Trials.Select(t => t.Settings).Distinct().Count());
    }

    [Fact]
    public void Flow_tuning_scores_held_out_log_density_and_fit_uses_the_choice()
    {
        var train = FlowTestData.EightGaussians(400, seed: 2);
        var options = FlowTestData.Small(components: 1, epochs: 2);
        var report = MixtureDensityFlowModel.Tune(train, options, TimeSpan.FromMilliseconds(1), cancellationToken: TestContext.Current.CancellationToken);
        var defaults = Assert.Single(report.Trials);
        Assert.Equal(5, defaults.FoldScores.Count);
        Assert.All(defaults.FoldScores, s => Assert.True(double.IsFinite(s) && s < 0, $"{s}"));
        Assert.Equal(defaults.Score, defaults.TieBreak);

        options.TuningBudget = TimeSpan.FromMilliseconds(1);
        var model = MixtureDensityFlowModel.Fit(train, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(model.Tuning);
        Assert.Null(model.Settings!.TuningBudget);

        // A streamed source is read into memory once for the search; the chosen settings then train streamed.
        var streamed = MixtureDensityFlowModel.Fit(new MLNetMixture.Training.Data.FeatureTableRowSource(train, blockRows: 97), options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(defaults.FoldScores, Assert.Single(streamed.Tuning!.Trials).FoldScores);
    }

    [Fact]
    public void Invalid_budgets_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new MixtureOfExpertsModelOptions { TuningBudget = TimeSpan.Zero }.Validate());
        Assert.Equal("TuningBudget", e.ParamName);
        Assert.Throws<ArgumentException>(() => new MixtureDensityFlowOptions { TuningBudget = TimeSpan.FromSeconds(-1) }.Validate());
    }

    private static MixtureOfExpertsModelOptions Quick() => new()
    {
        Architecture = { Experts = 2, ExpertHiddenSizes = [8] },
        Optimization = { Epochs = 3, BatchSize = 16 },
        Seed = 3,
        Threads = 1,
    };

    private sealed class Collect(List<TuningTrial> trials) : IProgress<TuningTrial>
    {
        public void Report(TuningTrial value) => trials.Add(value);
    }
}
