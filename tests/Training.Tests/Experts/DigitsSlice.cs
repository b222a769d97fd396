using MLNetMixture.Training.Data;
using MLNetMixture.Training.Tests.Data;

namespace MLNetMixture.Training.Tests.Experts;

/// <summary>The shipped digits data: the first 600 training rows (small enough to train in seconds on 2 cores) and the test split.</summary>
internal static class DigitsSlice
{
    public const int TrainingRows = 600;

    private static readonly Lazy<FeatureTable> LazyTrain = new(() => Read("digits_train.csv").Slice(0, TrainingRows));
    private static readonly Lazy<FeatureTable> LazyTest = new(() => Read("digits_test.csv"));

    public static FeatureTable Train => LazyTrain.Value;

    public static FeatureTable Test => LazyTest.Value;

    private static FeatureTable Read(string file) => CsvFeatureReader.Read(Path.Combine(CsvFeatureReaderTests.RepositoryRoot(), "data", file), label: "label");
}
