using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tests.Experts;
using MLNetMixture.Training.Tests.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Streaming;

public sealed class StreamedFittingTests
{
    private static readonly FeatureTable FlowRows = FlowTestData.EightGaussians(1500, seed: 3);

    [Theory]
    [InlineData(100_000)] // every row fits the buffer: read once, reshuffled each epoch
    [InlineData(300)] // a buffer of 300 rows: one pass per epoch
    public void A_flow_trained_from_a_csv_file_equals_the_flow_trained_from_the_same_table_in_memory(int bufferRows)
    {
        using var files = new StreamedTrainingData();
        string path = files.WriteCsv(FlowRows, "eight.csv");
        var options = FlowTestData.Small(components: 2, epochs: 12);
        options.Optimization.ShuffleBufferRows = bufferRows;

        var inMemory = MixtureDensityFlowModel.Fit(new FeatureTableRowSource(FlowRows, blockRows: 97), options, cancellationToken: TestContext.Current.CancellationToken);
        var streamed = MixtureDensityFlowModel.Fit(new CsvFileRowSource(path, blockRows: 250), options, cancellationToken: TestContext.Current.CancellationToken);

        AssertSameParameters(inMemory.Model.Parameters, streamed.Model.Parameters);
        Assert.Equal(inMemory.Training!.History.Select(h => h.TrainingLoss), streamed.Training!.History.Select(h => h.TrainingLoss));
        Assert.Equal(inMemory.Training.BestValidation, streamed.Training.BestValidation);
        Assert.Equal(inMemory.LogDensity(FlowRows), streamed.LogDensity(FlowRows));

        // As good as the in-memory Fit(FeatureTable) (another split, the same training otherwise).
        double table = MixtureDensityFlowModel.Fit(FlowRows, options, cancellationToken: TestContext.Current.CancellationToken).LogDensity(FlowRows).Average();
        double stream = streamed.LogDensity(FlowRows).Average();
        Assert.True(stream > table - 0.15, $"mean log-density {stream:F3} streamed, {table:F3} from the table");
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(64)]
    public void A_classifier_trained_from_a_csv_file_equals_the_classifier_trained_from_the_same_table_in_memory(int bufferRows)
    {
        using var files = new StreamedTrainingData();
        var (train, test) = MixtureOfExpertsFittingTests.Animals(perClass: 80, seed: 5);
        string path = files.WriteCsv(train, "animals.csv");
        var options = new MixtureOfExpertsModelOptions { Architecture = { Experts = 3, ExpertHiddenSizes = [8] }, Optimization = { Epochs = 4, BatchSize = 16, ShuffleBufferRows = bufferRows }, Threads = 1 };

        var inMemory = MixtureOfExpertsModel.Fit(new FeatureTableRowSource(train, blockRows: 33), options, cancellationToken: TestContext.Current.CancellationToken);
        var streamed = MixtureOfExpertsModel.Fit(new CsvFileRowSource(path, label: "label", blockRows: 50), options, cancellationToken: TestContext.Current.CancellationToken);

        AssertSameParameters(inMemory.Model.Parameters, streamed.Model.Parameters);
        AssertSameParameters(inMemory.Standardizer.Parameters, streamed.Standardizer.Parameters);
        Assert.Equal(inMemory.Training!.History.Select(h => h.Validation), streamed.Training!.History.Select(h => h.Validation));
        Assert.Equal(new[] { "bird", "cat", "dog" }, streamed.ClassLabels);
        double accuracy = streamed.Evaluate(test).Accuracy;
        Assert.True(accuracy > 0.85, $"test accuracy {accuracy}");
    }

    [Fact]
    public void Progress_of_streamed_training_has_samples_per_second_and_the_time_left()
    {
        var reports = new List<TrainingProgress>();
        var options = FlowTestData.Small(components: 1, epochs: 3);
        options.Optimization.ShuffleBufferRows = 256;
        MixtureDensityFlowModel.Fit(new FeatureTableRowSource(FlowRows, blockRows: 100), options, progress: new EpochReporter(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.SamplesPerSecond > 0));
        Assert.True(reports[0].Remaining > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Statistics[MaximumLikelihoodFlowObjective.ValidationLogLikelihoodStatistic])));
    }

    [Fact]
    public void The_buffer_holds_at_most_the_rows_the_options_allow_and_each_epoch_is_one_pass()
    {
        var options = FlowTestData.Small(components: 1, epochs: 2);
        options.Optimization.ShuffleBufferRows = 200;
        options.Optimization.BatchSize = 64;
        var source = new CountingRowSource(new FeatureTableRowSource(FlowRows, blockRows: 50));
        var model = MixtureDensityFlowModel.Fit(source, options, cancellationToken: TestContext.Current.CancellationToken);

        // The first pass learns the statistics; then each epoch reads the training rows once and the validation rows once.
        Assert.Equal(1 + (2 * 2), source.Passes);
        Assert.Equal(50, source.LargestBlock);
        Assert.Equal(2, model.Training!.EpochsRun);
    }

    [Fact]
    public void The_shuffle_buffer_visits_every_row_once_per_epoch_except_the_last_partial_batch()
    {
        const int rows = 1000, batch = 32;
        var values = Enumerable.Range(0, rows).Select(i => (float)i).ToArray();
        var table = new FeatureTable(values, rows, ["id"]);
        using var order = new ShuffleBufferMinibatchOrder(new StreamedRows(new FeatureTableRowSource(table, blockRows: 77), ["id"], "test"), rows, bufferRows: 128, batch, new RandomSource(3));

        Assert.False(order.Resident);
        Assert.Equal(128, order.Features.Shape[0]);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var seen = new List<float>();
            for (int s = 0; s < rows / batch; s++)
            {
                foreach (int slot in order.Next())
                {
                    seen.Add(order.Features.Span[slot]);
                }
            }

            Assert.Equal(rows / batch * batch, seen.Distinct().Count());
            Assert.NotEqual(seen.Order(), seen); // shuffled within the buffer
        }
    }

    [Fact]
    public void A_bad_value_in_the_stream_is_named_with_its_file_row_and_column()
    {
        using var files = new StreamedTrainingData();
        var lines = new List<string> { "a,b" };
        lines.AddRange(Enumerable.Range(0, 300).Select(i => $"{i % 7},{i % 5}"));
        lines[251] = "3,oops";
        string path = files.WriteText(string.Join('\n', lines), "bad.csv");
        var options = FlowTestData.Small(components: 1, epochs: 1);

        var e = Assert.Throws<DataFormatException>(() => MixtureDensityFlowModel.Fit(new CsvFileRowSource(path, blockRows: 64), options, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("bad.csv, row 252, column 'b' (2): expected a number, found 'oops'", e.Message, StringComparison.Ordinal);

        lines[251] = "3,NaN";
        string nan = files.WriteText(string.Join('\n', lines), "nan.csv");
        var n = Assert.Throws<DataFormatException>(() => MixtureDensityFlowModel.Fit(new CsvFileRowSource(nan, blockRows: 64), options, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("nan.csv), row 250 (0-based), column 'b' (2): the value is NaN", n.Message, StringComparison.Ordinal);
    }

    private static void AssertSameParameters(IReadOnlyList<Parameter> expected, IReadOnlyList<Parameter> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.True(expected[i].Value.Span.SequenceEqual(actual[i].Value.Span), $"parameter {expected[i].Name} differs");
        }
    }
}
