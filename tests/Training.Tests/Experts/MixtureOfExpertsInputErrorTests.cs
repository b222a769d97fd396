using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsInputErrorTests : IClassFixture<TrainedDigitsModel>
{
    private readonly MixtureOfExpertsModel _model;

    public MixtureOfExpertsInputErrorTests(TrainedDigitsModel trained)
    {
        _model = trained.Model;
    }

    private static MixtureOfExpertsModelOptions Quick => new() { Architecture = { ExpertHiddenSizes = [4], Experts = 2 }, Optimization = { Epochs = 1 }, Threads = 1 };

    [Fact]
    public void Non_finite_training_features_name_the_row_and_column()
    {
        var (train, _) = MixtureOfExpertsFittingTests.Animals(perClass: 5, seed: 1);
        var values = (float[])train.Features.Clone();
        values[(6 * 2) + 1] = float.NaN;
        var bad = new FeatureTable(values, train.Rows, train.FeatureNames, train.Labels, "pets.csv");
        var e = Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(bad, Quick, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("pets.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("data row 7", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 'y'", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_features_at_prediction_name_the_row_and_column()
    {
        var values = DigitsSlice.Test.Slice(0, 3).Features;
        values[64 + 10] = float.PositiveInfinity;
        var e = Assert.Throws<ArgumentException>(() => _model.Predict(values));
        Assert.Contains("data row 2", e.Message, StringComparison.Ordinal);
        Assert.Contains($"column '{_model.FeatureNames[10]}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("is Infinity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_label_at_evaluation_is_named()
    {
        var test = DigitsSlice.Test.Slice(0, 4);
        var labels = test.Labels!.ToArray();
        labels[2] = "seven";
        var e = Assert.Throws<ArgumentException>(() => _model.Evaluate(new FeatureTable(test.Features, 4, test.FeatureNames, labels, "test.csv")));
        Assert.Contains("'seven'", e.Message, StringComparison.Ordinal);
        Assert.Contains("data row 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("'0', '1'", e.Message, StringComparison.Ordinal);
        var unlabelled = Assert.Throws<ArgumentException>(() => _model.Evaluate(new FeatureTable(test.Features, 4, test.FeatureNames)));
        Assert.Contains("no labels", unlabelled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_feature_count_says_expected_and_found()
    {
        var row = DigitsSlice.Test.Row(0).ToArray();
        var single = Assert.Throws<ArgumentException>(() => _model.PredictRow(row.AsSpan(0, 63)));
        Assert.Contains("Expected 64 features", single.Message, StringComparison.Ordinal);
        Assert.Contains("found 63", single.Message, StringComparison.Ordinal);

        var many = Assert.Throws<ArgumentException>(() => _model.Predict(new float[130]));
        Assert.Contains("Expected 64 features per row", many.Message, StringComparison.Ordinal);
        Assert.Contains("got 130 values", many.Message, StringComparison.Ordinal);

        var narrow = DigitsSlice.Test.Slice(0, 2);
        var names = narrow.FeatureNames.Take(63).ToArray();
        var values = new float[2 * 63];
        var table = Assert.Throws<ArgumentException>(() => _model.Transform(new FeatureTable(values, 2, names, null, "narrow.csv")));
        Assert.Contains("Expected 64 features", table.Message, StringComparison.Ordinal);
        Assert.Contains("found 63", table.Message, StringComparison.Ordinal);
        Assert.Contains($"'{_model.FeatureNames[63]}'", table.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_unlabelled_and_single_class_training_sets_are_rejected()
    {
        var empty = new FeatureTable([], 0, ["x", "y"], [], "empty.csv");
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(empty, Quick, cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        var unlabelled = new FeatureTable([1f, 2f], 1, ["x", "y"], null, "nolabel.csv");
        Assert.Contains("no labels", Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(unlabelled, Quick, cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        var single = new FeatureTable([1f, 2f, 3f, 4f], 2, ["x", "y"], ["a", "a"], "one.csv");
        Assert.Contains("single class ('a')", Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(single, Quick, cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_too_small_for_the_validation_split_is_named_with_the_ways_out()
    {
        var (train, _) = MixtureOfExpertsFittingTests.Animals(perClass: 5, seed: 2);
        var labels = train.Labels!.ToArray();
        labels[^1] = "hamster";
        var table = new FeatureTable(train.Features, train.Rows, train.FeatureNames, labels, "pets.csv");
        var split = Quick;
        split.Validation.ValidationFraction = 0.1; // the defaults hold nothing out
        var e = Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(table, split, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("Class 'hamster' has only 1 row in pets.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("ValidationFraction = 0", e.Message, StringComparison.Ordinal);

        var noSplit = MixtureOfExpertsModel.Fit(table, new MixtureOfExpertsModelOptions { Architecture = { Experts = 2 }, Optimization = { Epochs = 1 }, Validation = { ValidationFraction = 0 }, Threads = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("hamster", noSplit.ClassLabels);
        Assert.False(noSplit.Training!.History[0].Validation.HasValue);
    }

    [Fact]
    public void A_validation_label_unknown_to_training_and_invalid_options_are_named()
    {
        var (train, test) = MixtureOfExpertsFittingTests.Animals(perClass: 5, seed: 4);
        var labels = test.Labels!.ToArray();
        labels[0] = "fish";
        var validation = new FeatureTable(test.Features, test.Rows, test.FeatureNames, labels, "val.csv");
        var e = Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(train, Quick, validation, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("'fish'", e.Message, StringComparison.Ordinal);
        Assert.Contains("validation set", e.Message, StringComparison.Ordinal);

        var bad = Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Temperature = { FinalTemperature = 2f } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("Temperature.FinalTemperature = 2", bad.Message, StringComparison.Ordinal);
        var badFraction = Assert.Throws<ArgumentException>(() => MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Validation = { ValidationFraction = 1 } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("ValidationFraction", badFraction.ParamName);
    }
}
