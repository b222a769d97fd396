using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MLNetMixture.Samples.Tests;

/// <summary>
/// The README's ML.NET examples are sample programs, word for word: each block that the README marks with
/// <c>&lt;!-- program: samples/X/Program.cs --&gt;</c> must equal that file, and the programs are built with the
/// solution and run here, as a user runs them (from a folder with the repository's data/).
/// </summary>
public sealed partial class ReadmeExampleTests
{
    [Fact]
    public void Readme_ml_net_blocks_are_the_sample_programs_word_for_word()
    {
        string root = SampleRunTests.RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var blocks = MarkedBlock().Matches(readme);
        Assert.Equal(
            ["samples/MLNetClassifier/Program.cs", "samples/MLNetDensity/Program.cs", "samples/MLNetStockScoring/Program.cs"],
            blocks.Select(b => b.Groups["path"].Value).ToArray());
        foreach (Match block in blocks)
        {
            string path = block.Groups["path"].Value;
            string program = File.ReadAllText(Path.Combine(root, path)).ReplaceLineEndings("\n");
            Assert.True(program == block.Groups["code"].Value, $"The README block marked {path} differs from the file: copy the file into the README.");
        }

        // The ML.NET section is the first thing the README teaches after setting up.
        var sections = Regex.Matches(readme, "^## (.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(sections.IndexOf("ML.NET") < sections.IndexOf("Density estimation"), string.Join(" | ", sections));
        Assert.True(sections.IndexOf("ML.NET") < sections.IndexOf("Mixture-of-experts classifier"), string.Join(" | ", sections));
    }

    [Fact]
    public void Classifier_example_trains_evaluates_explains_saves_loads_and_exports()
    {
        var (code, output, dir) = SampleRunTests.RunSample("MLNetClassifier", workingDirectoryWithData: true);
        Assert.True(code == 0, output);
        var accuracy = double.Parse(Regex.Match(output, @"accuracy (\d\.\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy > 0.9, output);
        Assert.Matches(@"most important measurement: \d+ \(accuracy -0\.\d{4} when shuffled\)", output);
        Assert.Matches(@"predicted letter index \d+ of 26", output);
        Assert.True(File.Exists(Path.Combine(dir, "letter.zip")));
        Assert.True(new FileInfo(Path.Combine(dir, "letter.onnx")).Length > 1000);
    }

    [Fact]
    public void Density_example_fits_samples_and_saves_a_zip_that_stock_mlnet_scores_the_same()
    {
        var (code, output, dir) = SampleRunTests.RunSample("MLNetDensity");
        Assert.True(code == 0, output);
        Assert.Equal(3, Regex.Matches(output, @"sample \(-?\d+\.\d{3}, -?\d+\.\d{3}\), log-density -?\d+\.\d{3}").Count);
        var ours = LogDensities(output);
        Assert.True(ours[0] > ours[1], $"a point on the inner ring should be denser than one between the rings: {output}");

        // A process with stock ML.NET only scores the saved zip.
        string project = Path.Combine(SampleRunTests.RepositoryRoot(), "samples", "MLNetStockScoring", "MLNetStockScoring.csproj");
        var (stockCode, stockOutput) = SampleRunTests.Run(dir, "run", "--project", project, "-v", "q");
        Assert.True(stockCode == 0, stockOutput);
        var stock = LogDensities(stockOutput);
        Assert.Equal(2, stock.Length);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(Math.Abs(stock[i] - ours[i]) <= 2e-3, $"stock ML.NET {stock[i]} against MLNetMixture {ours[i]}");
        }
    }

    private static double[] LogDensities(string output) =>
        Regex.Matches(output, @"log-density at \(\d, 0\): (-?\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    [GeneratedRegex(@"<!-- program: (?<path>[^ ]+) -->\n```csharp\n(?<code>.*?)```\n", RegexOptions.Singleline)]
    private static partial Regex MarkedBlock();
}
