using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli.Tests;

public sealed partial class MixtureOfExpertsCommandTests(TrainedMixtureOfExpertsFixture fixture) : IClassFixture<TrainedMixtureOfExpertsFixture>
{
    [Fact]
    public void Fit_saves_the_model_and_prints_one_json_result()
    {
        Assert.True(fixture.FitCode == ExitCodes.Success, fixture.FitStderr);
        Assert.True(File.Exists(fixture.ModelPath));
        var result = JsonNode.Parse(fixture.FitStdout)!.AsObject();
        Assert.Equal("moe fit", result["command"]!.GetValue<string>());
        Assert.Equal(4, result["epochsRun"]!.GetValue<int>());
        Assert.Equal(10, result["classes"]!.AsArray().Count);
        double accuracy = result["validationMetrics"]!["accuracy"]!.GetValue<double>();
        Assert.InRange(accuracy, 0, 1);
        Assert.Equal(60, result["validationMetrics"]!["rows"]!.GetValue<int>());
        Assert.Equal(300, result["trainingMetrics"]!["rows"]!.GetValue<int>());

        // Redirected output: one plain progress line per epoch on stderr.
        Assert.Equal(4, fixture.FitStderr.Split('\n').Count(l => l.StartsWith("moe: epoch ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Fit_with_tune_scores_candidates_by_cross_validation_then_fits_the_chosen_one()
    {
        string model = fixture.PathFor("tuned.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run("moe", "fit", "--train", fixture.TrainPath, "--experts", "2", "--epochs", "2", "--threads", "1", "--tune", "1s", "--model", model);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("Tuning for 00:00:01: k-fold cross-validation", stdout, StringComparison.Ordinal);
        Assert.Matches(@"tune 1: accuracy \d\.\d{4} \(sd \d\.\d{4}\) in \d+\.\d s  \(defaults\)", stdout);
        Assert.Contains("chosen:", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(model));

        var (badCode, _, badStderr) = ProgramTests.Run("moe", "fit", "--train", fixture.TrainPath, "--tune", "soon", "--model", model);
        Assert.Equal(ExitCodes.BadInput, badCode);
        Assert.Contains("--tune soon: expected a positive duration such as 90s, 2m or 1h", badStderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_report_is_written_and_its_svg_figures_parse_as_xml()
    {
        Assert.True(fixture.FitCode == ExitCodes.Success, fixture.FitStderr);
        string html = File.ReadAllText(fixture.ReportPath);
        var figures = SvgElement().Matches(html).Select(m => m.Value).ToList();
        Assert.True(figures.Count >= 5, $"expected loss, accuracy, utilisation, per-expert accuracy and confusion figures; found {figures.Count}");
        foreach (string svg in figures)
        {
            var root = XDocument.Parse(svg).Root!;
            Assert.Equal("svg", root.Name.LocalName);
        }

        Assert.Contains("Confusion matrix", html, StringComparison.Ordinal);
        Assert.Contains("Expert utilisation", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_command_writes_a_page_with_figures_for_a_saved_model_with_or_without_data()
    {
        string page = fixture.PathFor("saved-report.html");
        var (code, _, stderr) = ProgramTests.Run("report", "--model", fixture.ModelPath, "--data", fixture.TestPath, "--output", page);
        Assert.True(code == ExitCodes.Success, stderr);
        string html = File.ReadAllText(page);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("Confusion matrix", html, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(fixture.Directory, "*.tmp")); // written to a temporary file, then renamed

        string bare = fixture.PathFor("saved-report-no-data.html");
        (code, _, stderr) = ProgramTests.Run("report", "--model", fixture.ModelPath, "--output", bare);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("3 experts, 10 classes, 64 features", File.ReadAllText(bare), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_json_has_metrics_experts_and_a_confusion_matrix_over_every_row()
    {
        var (code, stdout, stderr) = ProgramTests.Run("moe", "evaluate", "--model", fixture.ModelPath, "--data", fixture.TestPath, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal(60, result["rows"]!.GetValue<int>());
        Assert.InRange(result["macroF1"]!.GetValue<double>(), 0, 1);
        Assert.True(result["logLoss"]!.GetValue<double>() > 0);
        Assert.Equal(3, result["experts"]!.AsArray().Count);
        Assert.Equal(60, result["experts"]!.AsArray().Sum(e => e!["rows"]!.GetValue<int>()));
        var counts = result["confusionMatrix"]!["counts"]!.AsArray();
        Assert.Equal(60, counts.Sum(row => row!.AsArray().Sum(n => n!.GetValue<int>())));
    }

    [Fact]
    public void Predict_export_and_onnx_score_agree_with_the_native_model()
    {
        string predictions = fixture.PathFor("native.csv");
        var (code, _, stderr) = ProgramTests.Run("moe", "predict", "--model", fixture.ModelPath, "--data", fixture.TestPath, "--output", predictions);
        Assert.True(code == ExitCodes.Success, stderr);

        string onnx = fixture.PathFor("digits.onnx");
        (code, var stdout, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--output", onnx, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.True(File.Exists(onnx));
        Assert.Equal(17, JsonNode.Parse(stdout)!["opset"]!.GetValue<int>());

        string scored = fixture.PathFor("onnx.csv");
        (code, stdout, stderr) = ProgramTests.Run("onnx", "score", "--model", onnx, "--data", fixture.TestPath, "--output", scored, "--batch-size", "16", "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal("CPUExecutionProvider", JsonNode.Parse(stdout)!["provider"]!.GetValue<string>());

        var native = ReadCsv(predictions);
        var viaOnnx = ReadCsv(scored);
        Assert.Equal(native.Header, viaOnnx.Header);
        Assert.Equal("PredictedLabel", native.Header[0]);
        Assert.Contains("Score.9", native.Header);
        Assert.Contains("GateProbabilities.2", native.Header);
        Assert.Equal(60, native.Rows.Count);
        Assert.Equal(native.Rows.Count, viaOnnx.Rows.Count);
        for (int r = 0; r < native.Rows.Count; r++)
        {
            Assert.Equal(native.Rows[r][0], viaOnnx.Rows[r][0]); // predicted label
            Assert.Equal(native.Rows[r][1], viaOnnx.Rows[r][1]); // expert
            for (int c = 2; c < native.Header.Length; c++)
            {
                double a = double.Parse(native.Rows[r][c], CultureInfo.InvariantCulture);
                double b = double.Parse(viaOnnx.Rows[r][c], CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(a - b) <= 1e-5, $"row {r + 1}, {native.Header[c]}: native {a}, ONNX {b}");
            }
        }
    }

    [Fact]
    public void Predict_with_top_k_out_of_range_is_bad_input()
    {
        var (code, _, stderr) = ProgramTests.Run("moe", "predict", "--model", fixture.ModelPath, "--data", fixture.TestPath, "--output", fixture.PathFor("k.csv"), "--top-k", "7");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Top-k", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_with_the_wrong_number_of_feature_columns_is_bad_input()
    {
        var (code, _, stderr) = ProgramTests.Run("moe", "predict", "--model", fixture.ModelPath, "--data", fixture.TestPath, "--output", fixture.PathFor("f.csv"), "--features", "px0..px9");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("selects 10 columns", stderr, StringComparison.Ordinal);
        Assert.Contains("expects 64 features", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(fixture.PathFor("f.csv")));
    }

    [Fact]
    public void Evaluate_with_a_file_that_is_not_a_model_is_bad_input()
    {
        var (code, _, stderr) = ProgramTests.Run("moe", "evaluate", "--model", fixture.TestPath, "--data", fixture.TestPath);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not an MLNetMixture model file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_score_on_cuda_without_cuda_falls_back_with_a_warning_or_fails_naming_what_is_missing()
    {
        Assert.SkipWhen(CudaAvailability.Problem(0) is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        string onnx = fixture.PathFor("cuda.onnx");
        Assert.Equal(ExitCodes.Success, ProgramTests.Run("export", "--model", fixture.ModelPath, "--output", onnx).Code);

        var (code, stdout, stderr) = ProgramTests.Run("onnx", "score", "--model", onnx, "--data", fixture.TestPath, "--output", fixture.PathFor("cuda-fallback.csv"), "--device", "cuda:0", "--fallback-cpu", "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Single(stderr.Split('\n'), line => line.Contains("warning:", StringComparison.Ordinal));
        Assert.Contains("CUDA", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("npm", stderr, StringComparison.Ordinal);
        Assert.Equal("CPUExecutionProvider", JsonNode.Parse(stdout)!["provider"]!.GetValue<string>());

        (code, _, stderr) = ProgramTests.Run("onnx", "score", "--model", onnx, "--data", fixture.TestPath, "--output", fixture.PathFor("cuda.csv"), "--device", "cuda:0");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("CUDA device 0 cannot be used", stderr, StringComparison.Ordinal);
        Assert.Contains("--fallback-cpu", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(fixture.PathFor("cuda.csv")));
    }

    [Fact]
    public void Onnx_score_with_an_unknown_device_is_bad_input()
    {
        var (code, _, stderr) = ProgramTests.Run("onnx", "score", "--model", fixture.PathFor("none.onnx"), "--data", fixture.TestPath, "--output", fixture.PathFor("x.csv"), "--device", "tpu:1");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Unknown device 'tpu:1'", stderr, StringComparison.Ordinal);
    }

    private static (string[] Header, List<string[]> Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToList());
    }

    [GeneratedRegex("<svg[\\s\\S]*?</svg>")]
    private static partial Regex SvgElement();
}
