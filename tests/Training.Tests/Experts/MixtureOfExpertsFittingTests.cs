using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsFittingTests(ITestOutputHelper output)
{
    [Fact]
    public void HoldOut_gives_the_stratified_split_fit_makes_itself()
    {
        // The defaults hold nothing out: every row is trained on.
        var (all, none) = MixtureOfExpertsModel.HoldOut(DigitsSlice.Train);
        Assert.Null(none);
        Assert.Equal(DigitsSlice.TrainingRows, all.Rows);

        var options = TrainedDigitsModel.Options();
        options.Optimization.Epochs = 2;
        options.Validation.ValidationFraction = 0.1;
        var (training, validation) = MixtureOfExpertsModel.HoldOut(DigitsSlice.Train, options);
        Assert.NotNull(validation);
        Assert.Equal(DigitsSlice.TrainingRows, training.Rows + validation!.Rows);
        Assert.Equal(10, validation.Labels!.Distinct().Count()); // every class is held out from

        var implicitSplit = MixtureOfExpertsModel.Fit(DigitsSlice.Train, options, cancellationToken: TestContext.Current.CancellationToken);
        var explicitSplit = MixtureOfExpertsModel.Fit(training, options, validation, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(implicitSplit.Training!.BestValidation, explicitSplit.Training!.BestValidation);
        Assert.Equal(implicitSplit.Evaluate(validation).LogLoss, explicitSplit.Evaluate(validation).LogLoss);
    }

    [Theory]
    [InlineData(GateObjective.Marginal)]
    [InlineData(GateObjective.GumbelSoftmax)]
    [InlineData(GateObjective.StraightThrough)]
    public void Each_objective_trains_on_600_digits_and_beats_a_clear_bar_on_the_test_split(GateObjective objective)
    {
        var model = MixtureOfExpertsModel.Fit(DigitsSlice.Train, TrainedDigitsModel.Options(objective), cancellationToken: TestContext.Current.CancellationToken);
        var metrics = model.Evaluate(DigitsSlice.Test);
        output.WriteLine($"{objective}: test accuracy {metrics.Accuracy:F4}, macro-F1 {metrics.MacroF1:F4}, {metrics.UnusedExperts} unused experts, {model.Training!.EpochsRun} epochs (best {model.Training.BestEpoch})");

        // Chance is 0.10; a linear model on the same 600 rows reaches about 0.93.
        Assert.True(metrics.Accuracy > 0.92, $"{objective}: test accuracy {metrics.Accuracy:F4}\n{metrics}");
        Assert.True(metrics.MacroF1 > 0.91, $"{objective}: macro-F1 {metrics.MacroF1:F4}");
        Assert.True(metrics.UnusedExperts <= 4, $"{objective}: {metrics.UnusedExperts} of 8 experts unused.");
        Assert.Equal(360, metrics.Rows);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), model.ClassLabels);
    }

    [Fact]
    public void String_labels_are_kept_in_sorted_order_and_predicted_as_strings()
    {
        var (train, test) = Animals(perClass: 40, seed: 3);
        var model = MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Architecture = { Experts = 3, ExpertHiddenSizes = [8] }, Optimization = { Epochs = 40, BatchSize = 16 }, Threads = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new[] { "bird", "cat", "dog" }, model.ClassLabels);
        var predictions = model.Predict(test);
        Assert.All(predictions, p => Assert.Contains(p.PredictedLabel, model.ClassLabels));
        double accuracy = predictions.Zip(test.Labels!, (p, label) => p.PredictedLabel == label ? 1.0 : 0.0).Average();
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        var metrics = model.Evaluate(test);
        Assert.Equal(accuracy, metrics.Accuracy, 12);
        Assert.Equal(new[] { "bird", "cat", "dog" }, metrics.ConfusionMatrix.Labels);
        Assert.Equal(test.Labels!.Count(l => l == "cat"), Enumerable.Range(0, 3).Sum(p => metrics.ConfusionMatrix.Count(1, p)));
    }

    [Fact]
    public void Integer_labels_sort_numerically_and_other_labels_ordinally_whatever_the_row_order()
    {
        Assert.Equal(new[] { "-1", "0", "2", "10" }, new ClassLabelEncoding(["10", "2", "0", "-1", "2"]).Labels);
        Assert.Equal(new[] { "10", "2", "a" }, new ClassLabelEncoding(["a", "2", "10"]).Labels);
        Assert.Equal(new[] { "Cat", "cat", "dog" }, new ClassLabelEncoding(["dog", "cat", "Cat"]).Labels);
    }

    [Fact]
    public void Stratified_split_holds_out_each_class_in_proportion_and_depends_only_on_the_seed()
    {
        var classes = Enumerable.Range(0, 300).Select(i => i < 200 ? 0 : (i < 290 ? 1 : 2)).ToArray();
        string[] labels = ["a", "b", "c"];
        var (train, validation) = StratifiedSplit.Split(classes, labels, 0.1, seed: 5, "mem");
        Assert.Equal(20, validation.Count(r => classes[r] == 0));
        Assert.Equal(9, validation.Count(r => classes[r] == 1));
        Assert.Equal(1, validation.Count(r => classes[r] == 2));
        Assert.Equal(Enumerable.Range(0, 300), train.Concat(validation).Order());
        Assert.Equal(validation, StratifiedSplit.Split(classes, labels, 0.1, seed: 5, "mem").Validation);
        Assert.NotEqual(validation, StratifiedSplit.Split(classes, labels, 0.1, seed: 6, "mem").Validation);
    }

    [Fact]
    public void Progress_reports_epoch_loss_validation_accuracy_speed_temperature_and_utilisation()
    {
        var reports = new List<TrainingProgress>();
        var options = TrainedDigitsModel.Options(GateObjective.GumbelSoftmax);
        options.Optimization.Epochs = 12;
        options.Validation.ValidationFraction = 0.1;
        options.Validation.EarlyStoppingPatience = 0;
        var model = MixtureOfExpertsModel.Fit(DigitsSlice.Train, options, progress: new ListProgress(reports), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 12), reports.Select(r => r.Epoch));
        foreach (var r in reports)
        {
            Assert.True(double.IsFinite(r.TrainingLoss) && r.TrainingLoss > 0);
            Assert.True(r.SamplesPerSecond > 0);
            Assert.InRange(r.Statistics[MixtureOfExpertsStatistics.ValidationAccuracy], 0, 1);
            Assert.True(r.Statistics[MixtureOfExpertsStatistics.ValidationLogLoss] > 0);
            Assert.InRange(r.Statistics[MixtureOfExpertsStatistics.Temperature], 0.5, 1.0);
            var shares = MixtureOfExpertsStatistics.ExpertShares(r.Statistics);
            Assert.Equal(8, shares.Count);
            Assert.Equal(1.0, shares.Sum(), 9);
            Assert.Equal(shares.Count(s => s == 0), r.Statistics[MixtureOfExpertsStatistics.UnusedExperts]);
            Assert.InRange(r.Statistics[MixtureOfExpertsStatistics.GateEntropy], 0, Math.Log(8) + 1e-9);
            Assert.Contains("val acc", MixtureOfExpertsStatistics.Describe(r), StringComparison.Ordinal);
        }

        // 540 rows / 128 = 4 steps an epoch, 48 steps in all: the planned schedule still anneals from 1 to its floor 0.5.
        Assert.Equal(1.0, reports[0].Statistics[MixtureOfExpertsStatistics.Temperature], 0.1);
        Assert.Equal(0.5, reports[^1].Statistics[MixtureOfExpertsStatistics.Temperature], 6);
        Assert.True(reports[^1].Statistics[MixtureOfExpertsStatistics.ValidationAccuracy] > 0.85);
        Assert.Same(model.Training!.History[^1], reports[^1]);
    }

    [Fact]
    public void Cancellation_returns_a_usable_model_with_the_best_parameters_so_far()
    {
        using var cancellation = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var progress = new ListProgress(reports, r =>
        {
            if (r.Epoch == 3)
            {
                cancellation.Cancel();
            }
        });
        var options = TrainedDigitsModel.Options(GateObjective.Marginal);
        options.Optimization.Epochs = 1000;
        var model = MixtureOfExpertsModel.Fit(DigitsSlice.Train, options, progress: progress, cancellationToken: cancellation.Token);

        Assert.True(model.Training!.Cancelled);
        Assert.Equal(3, model.Training.EpochsRun);
        var metrics = model.Evaluate(DigitsSlice.Test);
        Assert.True(metrics.Accuracy > 0.6, $"after 3 epochs: {metrics.Accuracy}");
        Assert.True(double.IsFinite(metrics.LogLoss));
    }

    [Fact]
    public void A_given_validation_set_is_used_instead_of_a_split_and_one_expert_is_a_plain_classifier()
    {
        var train = DigitsSlice.Train;
        var options = TrainedDigitsModel.Options(GateObjective.Marginal);
        options.Architecture.Experts = 1;
        options.Optimization.Epochs = 40;
        options.Validation.EarlyStoppingPatience = 0;
        var reports = new List<TrainingProgress>();
        var model = MixtureOfExpertsModel.Fit(train.Slice(0, 500), options, train.Slice(500, 100), new ListProgress(reports), cancellationToken: TestContext.Current.CancellationToken);

        // 500 rows / 128 = 3 full batches an epoch: no rows went to a split.
        Assert.Equal(3 * 40, model.Training!.Steps);
        Assert.All(reports, r => Assert.Equal(1.0, r.Statistics[MixtureOfExpertsStatistics.ExpertShareKey(0)]));
        double accuracy = model.Evaluate(DigitsSlice.Test).Accuracy;
        Assert.True(accuracy > 0.85, $"test accuracy {accuracy}");
    }

    /// <summary>Three Gaussian blobs in 2-D named bird, cat and dog (given in the order dog, cat, bird).</summary>
    internal static (FeatureTable Train, FeatureTable Test) Animals(int perClass, ulong seed)
    {
        var random = new RandomSource(seed);
        FeatureTable Make(int n)
        {
            string[] names = ["dog", "cat", "bird"];
            var values = new List<float>();
            var labels = new List<string>();
            for (int i = 0; i < n * 3; i++)
            {
                int c = i % 3;
                values.Add((3f * c) + (float)random.NextNormal());
                values.Add((c == 1 ? 3f : 0f) + (float)random.NextNormal());
                labels.Add(names[c]);
            }

            return new FeatureTable([.. values], n * 3, ["x", "y"], labels, "animals");
        }

        return (Make(perClass), Make(perClass));
    }

    /// <summary>Collects reports on the training thread (Progress&lt;T&gt; would post them to the thread pool).</summary>
    internal sealed class ListProgress(List<TrainingProgress> reports, Action<TrainingProgress>? also = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            reports.Add(value);
            also?.Invoke(value);
        }
    }
}
