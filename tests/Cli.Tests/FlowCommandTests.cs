using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MLNetMixture.Cli.Tests;

public sealed partial class FlowCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mlmix-flow-" + Guid.NewGuid().ToString("N"));

    public FlowCommandTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void Fit_score_and_sample_a_two_dimensional_flow_with_a_density_report()
    {
        string data = Path.Combine(_directory, "two-blobs.csv");
        var random = new Random(3);
        var lines = new List<string> { "x,y" };
        for (int i = 0; i < 200; i++)
        {
            double cx = i % 2 == 0 ? -2 : 2;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{cx + (0.4 * Normal(random)):F4},{0.4 * Normal(random):F4}"));
        }

        File.WriteAllLines(data, lines);
        string model = Path.Combine(_directory, "flow.mlmix");
        string report = Path.Combine(_directory, "flow.html");
        var (code, stdout, stderr) = ProgramTests.Run("flow", "fit", "--train", data, "--epochs", "2", "--layers", "2", "--hidden", "8", "--components", "2", "--threads", "1", "--model", model, "--report", report, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(2, JsonNode.Parse(stdout)!["epochsRun"]!.GetValue<int>());
        // Two fits of two epochs: a K > 1 base is fitted from k-means and from standard normals, the better kept (issue 16).
        Assert.Equal(4, stderr.Split('\n').Count(l => l.StartsWith("flow: epoch ", StringComparison.Ordinal)));
        var figures = SvgElement().Matches(File.ReadAllText(report)).Select(m => XDocument.Parse(m.Value).Root!).ToList();
        Assert.Equal(2, figures.Count); // log-likelihood curves and the density map
        Assert.All(figures, f => Assert.Equal("svg", f.Name.LocalName));

        string scores = Path.Combine(_directory, "scores.csv");
        (code, _, stderr) = ProgramTests.Run("flow", "score", "--model", model, "--data", data, "--output", scores);
        Assert.True(code == ExitCodes.Success, stderr);
        var scored = File.ReadAllLines(scores);
        Assert.Equal("LogDensity,ComponentPosterior.0,ComponentPosterior.1", scored[0]);
        Assert.Equal(201, scored.Length);
        Assert.All(scored.Skip(1), l => Assert.True(double.IsFinite(double.Parse(l.Split(',')[0], CultureInfo.InvariantCulture))));

        string samples = Path.Combine(_directory, "samples.csv");
        (code, stdout, stderr) = ProgramTests.Run("flow", "sample", "--model", model, "--count", "25", "--seed", "7", "--output", samples, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(25, JsonNode.Parse(stdout)!["rows"]!.GetValue<int>());
        var sampled = File.ReadAllLines(samples);
        Assert.Equal("x,y,LogDensity", sampled[0]);
        Assert.Equal(26, sampled.Length);

        // A report of the saved flow, without data: its density map over samples drawn from it.
        string saved = Path.Combine(_directory, "saved.html");
        (code, _, stderr) = ProgramTests.Run("report", "--model", model, "--output", saved);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("<svg", File.ReadAllText(saved), StringComparison.Ordinal);
        (code, _, stderr) = ProgramTests.Run("report", "--model", model, "--data", data, "--output", saved);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("<svg", File.ReadAllText(saved), StringComparison.Ordinal);

        // Export the density graph and score it with ONNX Runtime: the same log-densities as flow score.
        string onnx = Path.Combine(_directory, "flow.onnx");
        (code, stdout, stderr) = ProgramTests.Run("export", "--model", model, "--output", onnx, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal("density", JsonNode.Parse(stdout)!["mode"]!.GetValue<string>());
        string onnxScores = Path.Combine(_directory, "onnx-scores.csv");
        (code, _, stderr) = ProgramTests.Run("onnx", "score", "--model", onnx, "--data", data, "--output", onnxScores);
        Assert.True(code == ExitCodes.Success, stderr);
        var ort = File.ReadAllLines(onnxScores);
        int logDensityColumn = Array.IndexOf(ort[0].Split(','), "LogDensity");
        Assert.True(logDensityColumn >= 0, ort[0]);
        Assert.Equal(scored.Length, ort.Length);
        for (int i = 1; i < ort.Length; i++)
        {
            double native = double.Parse(scored[i].Split(',')[0], CultureInfo.InvariantCulture);
            double viaOnnx = double.Parse(ort[i].Split(',')[logDensityColumn], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(native - viaOnnx) <= 1e-4 * Math.Max(1, Math.Abs(native)), $"row {i}: {native} vs {viaOnnx}");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [GeneratedRegex("<svg[\\s\\S]*?</svg>")]
    private static partial Regex SvgElement();
}
