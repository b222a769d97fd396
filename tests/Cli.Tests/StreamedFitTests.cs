using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Cli.Tests;

public sealed class StreamedFitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlmix-streamed-fit-").FullName;

    [Fact]
    public void Flow_fit_with_stream_trains_from_the_file_through_a_bounded_buffer_and_saves_the_model()
    {
        string csv = WriteBlobs("blobs.csv", rows: 600, labelled: false);
        string model = Path.Combine(_directory, "flow.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run("flow", "fit", "--train", csv, "--stream", "--shuffle-buffer-rows", "100", "--flow", "affine", "--layers", "2", "--hidden", "8", "--epochs", "2", "--threads", "1", "--model", model, "--json");

        Assert.True(code == ExitCodes.Success, stderr);
        var json = JsonNode.Parse(stdout)!;
        Assert.True(json["streamed"]!.GetValue<bool>());
        Assert.Equal(100, json["shuffleBufferRows"]!.GetValue<int>());
        Assert.Equal(2, json["epochsRun"]!.GetValue<int>());
        Assert.NotNull(json["bestValidation"]);
        Assert.Equal(["x", "y"], MixtureDensityFlowModel.Load(model).FeatureNames);
    }

    [Fact]
    public void Moe_fit_with_stream_trains_from_the_file_and_saves_a_classifier_of_its_labels()
    {
        string csv = WriteBlobs("animals.csv", rows: 600, labelled: true);
        string model = Path.Combine(_directory, "moe.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--stream", "--shuffle-buffer-rows", "128", "--experts", "2", "--hidden", "8", "--epochs", "3", "--batch-size", "32", "--threads", "1", "--model", model, "--json");

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(3, JsonNode.Parse(stdout)!["epochsRun"]!.GetValue<int>());
        Assert.Equal(["a", "b"], MixtureOfExpertsModel.Load(model).ClassLabels);
    }

    [Fact]
    public void A_bad_value_deep_in_a_streamed_file_exits_1_naming_file_row_and_column()
    {
        string csv = WriteBlobs("bad.csv", rows: 300, labelled: true);
        var lines = File.ReadAllLines(csv);
        lines[200] = "1,oops,a";
        File.WriteAllLines(csv, lines);
        string model = Path.Combine(_directory, "m.mlmix");
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--stream", "--epochs", "1", "--model", model);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{csv}, row 201, column 'y' (2): expected a number, found 'oops'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void Stream_with_a_report_is_refused()
    {
        string csv = WriteBlobs("blobs.csv", rows: 50, labelled: false);
        var (code, _, stderr) = ProgramTests.Run("flow", "fit", "--train", csv, "--stream", "--report", Path.Combine(_directory, "r.html"), "--model", Path.Combine(_directory, "f.mlmix"));
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains("--stream", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Two Gaussian blobs in 2-D (labelled a and b when <paramref name="labelled"/>).</summary>
    private string WriteBlobs(string name, int rows, bool labelled)
    {
        var random = new Random(7);
        var lines = new List<string> { labelled ? "x,y,label" : "x,y" };
        for (int i = 0; i < rows; i++)
        {
            int c = i % 2;
            string point = string.Create(CultureInfo.InvariantCulture, $"{(3 * c) + random.NextDouble():R},{random.NextDouble() - c:R}");
            lines.Add(labelled ? $"{point},{(c == 0 ? "a" : "b")}" : point);
        }

        string path = Path.Combine(_directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }
}
