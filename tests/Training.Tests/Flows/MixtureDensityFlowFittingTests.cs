using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class MixtureDensityFlowFittingTests
{
    private static readonly FeatureTable Train = FlowTestData.EightGaussians(2000, seed: 1);
    private static readonly FeatureTable Validation = FlowTestData.EightGaussians(500, seed: 2);

    [Fact]
    public void Fitting_raises_the_validation_log_likelihood_well_above_the_initial_model()
    {
        var options = FlowTestData.Small(components: 1);
        var initial = MixtureDensityFlowModel.Fit(Train, options, Validation, cancellationToken: new CancellationToken(canceled: true));
        var fitted = MixtureDensityFlowModel.Fit(Train, options, Validation, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, initial.Training!.EpochsRun);
        double before = initial.LogDensity(Validation).Average();
        double after = fitted.LogDensity(Validation).Average();

        // The standard-normal start is about -4.3 nats; the true density's cross-entropy is about -2.84.
        Assert.True(after > before + 0.5, $"validation log-likelihood {before:F3} -> {after:F3}");
        Assert.Equal(fitted.Training!.BestValidation!.Value, after, 3);
    }

    [Fact]
    public void HoldOut_gives_the_split_fit_makes_itself()
    {
        var options = FlowTestData.Small(components: 2, epochs: 2);
        var (training, validation) = MixtureDensityFlowModel.HoldOut(Train, options);
        Assert.NotNull(validation);
        Assert.Equal(Train.Rows, training.Rows + validation!.Rows);
        Assert.Equal((int)Math.Round(Train.Rows * options.Validation.ValidationFraction), validation.Rows);

        var implicitSplit = MixtureDensityFlowModel.Fit(Train, options, cancellationToken: TestContext.Current.CancellationToken);
        var explicitSplit = MixtureDensityFlowModel.Fit(training, options, validation, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(implicitSplit.Training!.BestValidation, explicitSplit.Training!.BestValidation);
        Assert.Equal(implicitSplit.LogDensity(Validation), explicitSplit.LogDensity(Validation));
    }

    [Fact]
    public void An_eight_component_base_beats_a_standard_normal_base_with_the_same_small_flow_on_eight_modes()
    {
        double Fit(int k) => MixtureDensityFlowModel.Fit(Train, FlowTestData.Small(components: k, epochs: 8), Validation).LogDensity(Validation).Average();

        double one = Fit(1), eight = Fit(8);

        Assert.True(eight > one + 0.1, $"K=1: {one:F3}, K=8: {eight:F3}");
    }

    [Fact]
    public void Progress_arrives_every_epoch_with_log_likelihoods_and_throughput()
    {
        var reports = new List<TrainingProgress>();
        var options = FlowTestData.Small(components: 2, epochs: 3);
        options.Architecture.BaseInitialization = MixtureBaseInitialization.KMeans; // one fit (the default start fits twice, below)
        var model = MixtureDensityFlowModel.Fit(Train, options, Validation, new Recorder(reports), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, reports.Count);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.All(reports, r =>
        {
            Assert.True(r.SamplesPerSecond > 0);
            Assert.True(double.IsFinite(r.Statistics[MaximumLikelihoodFlowObjective.TrainLogLikelihoodStatistic]));
            Assert.Equal(r.Validation!.Value, r.Statistics[MaximumLikelihoodFlowObjective.ValidationLogLikelihoodStatistic]);
            Assert.Equal(-r.TrainingLoss, r.Statistics[MaximumLikelihoodFlowObjective.TrainLogLikelihoodStatistic], 6);
        });
        Assert.Equal(reports.Max(r => r.Validation!.Value), model.Training!.BestValidation!.Value);
    }

    [Fact]
    public void With_the_default_start_a_mixture_base_reports_both_fits_in_turn_and_keeps_the_better()
    {
        var reports = new List<TrainingProgress>();
        var model = MixtureDensityFlowModel.Fit(Train, FlowTestData.Small(components: 2, epochs: 3), Validation, new Recorder(reports), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3, 1, 2, 3], reports.Select(r => r.Epoch));
        Assert.Equal(reports.Max(r => r.Validation!.Value), model.Training!.BestValidation!.Value);
        Assert.Contains(model.Architecture.BaseInitialization, new[] { MixtureBaseInitialization.KMeans, MixtureBaseInitialization.StandardNormal });
    }

    [Fact]
    public void Cancellation_after_an_epoch_keeps_a_usable_best_model()
    {
        using var cancel = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var model = MixtureDensityFlowModel.Fit(Train, FlowTestData.Small(components: 4, epochs: 50), Validation, new Recorder(reports, _ => cancel.Cancel()), cancel.Token);

        Assert.True(model.Training!.Cancelled);
        Assert.Single(reports);
        var logDensity = model.LogDensity(Validation);
        Assert.All(logDensity, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(reports[0].Validation!.Value, logDensity.Average(v => (double)v), 4);
        Assert.Equal(100, model.Sample(100, seed: 3).Rows);
    }

    [Fact]
    public void Without_a_validation_set_a_fraction_of_the_training_rows_is_held_out()
    {
        var reports = new List<TrainingProgress>();
        var options = FlowTestData.Small(components: 1, epochs: 2);
        options.Validation.ValidationFraction = 0.2;
        MixtureDensityFlowModel.Fit(Train, options, progress: new Recorder(reports), cancellationToken: TestContext.Current.CancellationToken);
        Assert.All(reports, r => Assert.NotNull(r.Validation));

        options.Validation.ValidationFraction = 0;
        reports.Clear();
        var model = MixtureDensityFlowModel.Fit(Train, options, progress: new Recorder(reports), cancellationToken: TestContext.Current.CancellationToken);
        Assert.All(reports, r => Assert.Null(r.Validation));
        Assert.Equal(2, model.Training!.BestEpoch);
    }

    [Fact]
    public void A_nan_in_the_training_data_names_its_row_and_column()
    {
        var values = (float[])Train.Features.Clone();
        values[(5 * 2) + 1] = float.NaN;
        var bad = new FeatureTable(values, Train.Rows, Train.FeatureNames, null, "bad.csv");

        var e = Assert.Throws<DataFormatException>(() => MixtureDensityFlowModel.Fit(bad, FlowTestData.Small(1), Validation, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("bad.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("row 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 'y'", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_infinite_validation_value_is_rejected_too()
    {
        var values = (float[])Validation.Features.Clone();
        values[0] = float.PositiveInfinity;
        var bad = new FeatureTable(values, Validation.Rows, Validation.FeatureNames, null, "val.csv");

        var e = Assert.Throws<DataFormatException>(() => MixtureDensityFlowModel.Fit(Train, FlowTestData.Small(1), bad, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("validation", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("column 'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_training_set_is_refused()
    {
        var empty = new FeatureTable([], 0, ["x", "y"], null, "empty.csv");
        var e = Assert.Throws<ArgumentException>(() => MixtureDensityFlowModel.Fit(empty, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
        Assert.Contains("empty.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_and_missing_feature_columns_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => MixtureDensityFlowModel.Fit(Train, new MixtureDensityFlowOptions { Architecture = { SplineBins = 1 } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("SplineBins", e.Message, StringComparison.Ordinal);

        var e2 = Assert.Throws<ArgumentException>(() => MixtureDensityFlowModel.Fit(Train, new MixtureDensityFlowOptions { FeatureColumns = ["x", "z"] }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("Missing: z", e2.Message, StringComparison.Ordinal);

        var oneFeature = new FeatureTable(new float[10], 10, ["x"]);
        var e3 = Assert.Throws<ArgumentException>(() => MixtureDensityFlowModel.Fit(oneFeature, new MixtureDensityFlowOptions { Architecture = { FlowType = FlowType.AffineCoupling } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("MaskedAutoregressive", e3.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Selected_feature_columns_are_modelled_and_found_by_name_when_scoring()
    {
        var values = new float[Train.Rows * 3];
        for (int i = 0; i < Train.Rows; i++)
        {
            values[3 * i] = 100f + i;
            values[(3 * i) + 1] = Train.Features[2 * i];
            values[(3 * i) + 2] = Train.Features[(2 * i) + 1];
        }

        var wide = new FeatureTable(values, Train.Rows, ["id", "x", "y"]);
        var options = FlowTestData.Small(components: 1, epochs: 1);
        options.FeatureColumns = ["x", "y"];
        var model = MixtureDensityFlowModel.Fit(wide, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["x", "y"], model.FeatureNames);
        Assert.Equal(model.LogDensity(Train), model.LogDensity(wide));
    }

    [Fact]
    public void The_same_seed_gives_the_same_model()
    {
        var options = FlowTestData.Small(components: 3, epochs: 2);
        var a = MixtureDensityFlowModel.Fit(Train, options, Validation, cancellationToken: TestContext.Current.CancellationToken).LogDensity(Validation);
        var b = MixtureDensityFlowModel.Fit(Train, options, Validation, cancellationToken: TestContext.Current.CancellationToken).LogDensity(Validation);
        Assert.Equal(a, b);
    }

    private sealed class Recorder(List<TrainingProgress> reports, Action<TrainingProgress>? then = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            reports.Add(value);
            then?.Invoke(value);
        }
    }
}
