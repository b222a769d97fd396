using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Data;

/// <summary>
/// The four mlbench data sets exported by benchmarks/reference/export_mlbench.py parse and have the shapes
/// data/README.md documents: rows of each split, features, and every class 0..C-1 present in both splits.
/// </summary>
public sealed class ExternalDatasetTests
{
    [Theory]
    [InlineData("shuttle", ".csv.gz", 46400, 11600, 9, 7)]
    [InlineData("dna", ".csv.gz", 2548, 638, 180, 3)]
    [InlineData("ionosphere", ".csv", 280, 71, 33, 2)]
    [InlineData("sonar", ".csv", 166, 42, 60, 2)]
    public void Exported_dataset_has_documented_shape(string name, string extension, int trainRows, int testRows, int features, int classes)
    {
        string data = Path.Combine(CsvFeatureReaderTests.RepositoryRoot(), "data");
        var expectedLabels = Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var (split, rows) in new[] { ("train", trainRows), ("test", testRows) })
        {
            var table = CsvFeatureReader.Read(Path.Combine(data, $"{name}_{split}{extension}"), label: "label");
            Assert.Equal((rows, features), (table.Rows, table.Columns));
            Assert.Equal(expectedLabels, table.Labels!.Distinct().OrderBy(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            Assert.All(table.Features, v => Assert.True(float.IsFinite(v)));
        }
    }
}
