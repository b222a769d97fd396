using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;

namespace MLNetMixture.Cli.Tests;

/// <summary>What moe fit and flow fit print: --quiet, a stop by Ctrl+C, validation figures first, renamed options.</summary>
public sealed class FitOutputTests(TrainedMixtureOfExpertsFixture fixture) : IClassFixture<TrainedMixtureOfExpertsFixture>
{
    [Fact]
    public void Quiet_fit_hides_progress_but_prints_the_results()
    {
        string model = fixture.PathFor("quiet.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run(
            "moe", "fit", "--train", fixture.TrainPath, "--experts", "2", "--epochs", "2", "--threads", "1", "--model", model, "--quiet");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.DoesNotContain("epoch 1/", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Training on", stdout, StringComparison.Ordinal);
        Assert.Contains($"Saved {model}", stdout, StringComparison.Ordinal);
        Assert.Contains("accuracy", stdout, StringComparison.Ordinal);
        Assert.Contains("log-loss", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_fit_stopped_before_the_first_epoch_still_warns_and_saves_nothing()
    {
        string model = fixture.PathFor("never.mlmix");
        using var interrupt = new InterruptSignal();
        interrupt.Request();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Run(["flow", "fit", "--train", fixture.TestPath, "--features", "px2..px5", "--epochs", "3", "--model", model, "--quiet"], stdout, stderr, interrupt.Token);
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.Contains("warning: stopped by Ctrl+C before the first epoch ended; no model was saved", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void Ctrl_c_after_the_first_epoch_keeps_the_best_parameters_says_where_they_went_and_exits_130()
    {
        string model = fixture.PathFor("stopped.mlmix");
        using var interrupt = new InterruptSignal();
        using var stdout = new StringWriter();
        using var stderr = new InterruptingWriter("moe: epoch 1/", interrupt);
        int code = Program.Run(
            ["moe", "fit", "--train", fixture.TrainPath, "--validation", fixture.TestPath, "--experts", "3", "--epochs", "50", "--batch-size", "64", "--threads", "1", "--model", model, "--json"],
            stdout,
            stderr,
            interrupt.Token);
        string errors = stderr.ToString();
        Assert.True(code == ExitCodes.Cancelled, errors);

        // The progress lines stop at epoch 1; the stop is announced on a line of its own, then reported with the model's path.
        var lines = errors.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Single(lines, l => l.StartsWith("moe: epoch ", StringComparison.Ordinal));
        int stopping = lines.IndexOf(TrainingProgressDisplay.StoppingMessage);
        int stopped = lines.FindIndex(l => l == $"warning: stopped by Ctrl+C after epoch 1 of 50; saved the best parameters (epoch 1) to {model}.");
        Assert.True(stopping > 0 && stopped > stopping, errors);

        var result = JsonNode.Parse(stdout.ToString())!.AsObject();
        Assert.True(result["cancelled"]!.GetValue<bool>());
        Assert.Equal(1, result["epochsRun"]!.GetValue<int>());
        Assert.Equal(1, result["bestEpoch"]!.GetValue<int>());

        // The saved file holds epoch 1's parameters: it scores the validation file as epoch 1 reported.
        string epochOne = lines.Single(l => l.StartsWith("moe: epoch 1/", StringComparison.Ordinal));
        string reported = epochOne[(epochOne.IndexOf("val log-loss ", StringComparison.Ordinal) + "val log-loss ".Length)..].Split(' ')[0];
        var (evalCode, evalStdout, evalStderr) = ProgramTests.Run("moe", "evaluate", "--model", model, "--data", fixture.TestPath, "--json");
        Assert.True(evalCode == ExitCodes.Success, evalStderr);
        Assert.Equal(double.Parse(reported, CultureInfo.InvariantCulture), JsonNode.Parse(evalStdout)!["logLoss"]!.GetValue<double>(), 4);
    }

    [Fact]
    public void Fit_headlines_the_held_out_rows_and_gives_the_training_rows_second()
    {
        string model = fixture.PathFor("holdout.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run(
            "moe", "fit", "--train", fixture.TrainPath, "--experts", "2", "--epochs", "3", "--validation-fraction", "0.1", "--threads", "1", "--model", model, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        int validationRows = result["validationRows"]!.GetValue<int>();
        Assert.Equal(300, validationRows + result["trainingRows"]!.GetValue<int>());
        Assert.InRange(validationRows, 20, 40); // 10% of every class
        var validation = result["validationMetrics"]!.AsObject();
        Assert.Equal(validationRows, validation["rows"]!.GetValue<int>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, validation["accuracy"]!.GetValueKind());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, validation["logLoss"]!.GetValueKind());
        Assert.Equal(300 - validationRows, result["trainingMetrics"]!["rows"]!.GetValue<int>());
        Assert.Contains("held out for validation", result["validationData"]!.GetValue<string>(), StringComparison.Ordinal);

        // People read the validation figures first (the headline column), the training figures second.
        Assert.Contains($"Evaluated on the 10% of {fixture.TrainPath} held out for validation (first column)", stderr, StringComparison.Ordinal);
        Assert.Contains("│ metric       │ validation │ training │", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Moe_fit_by_default_trains_on_every_row_and_reports_the_training_figures()
    {
        string model = fixture.PathFor("no-holdout.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run(
            "moe", "fit", "--train", fixture.TrainPath, "--experts", "2", "--epochs", "2", "--threads", "1", "--model", model, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal(300, result["trainingRows"]!.GetValue<int>());
        Assert.Null(result["validationRows"]);
        Assert.Null(result["validationMetrics"]);
        Assert.Equal(2, result["epochsRun"]!.GetValue<int>());
        Assert.Contains("(no validation rows)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_fit_headlines_the_validation_log_density()
    {
        string model = fixture.PathFor("flow.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run(
            "flow", "fit", "--train", fixture.TrainPath, "--features", "px2..px5", "--epochs", "2", "--layers", "2", "--hidden", "8", "--threads", "1", "--model", model);
        Assert.True(code == ExitCodes.Success, stderr);
        string line = stdout.Split('\n').Single(l => l.StartsWith("Mean log-density:", StringComparison.Ordinal));
        Assert.Matches(@"^Mean log-density: -?\d+\.\d+ nats/row on the 10% of .* held out for validation \(30 rows\); -?\d+\.\d+ on the 270 rows trained on\.", line);
    }

    [Fact]
    public void Old_option_spellings_still_work_but_are_hidden_from_help()
    {
        string model = fixture.PathFor("old-spelling.mlmix");
        var (code, stdout, stderr) = ProgramTests.Run(
            "moe", "fit", "--train", fixture.TrainPath, "--expert-hidden", "none", "--experts", "2", "--epochs", "1", "--threads", "1", "--model", model, "--json");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(1, JsonNode.Parse(stdout)!["epochsRun"]!.GetValue<int>());

        (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", fixture.TrainPath, "--hidden", "8", "--expert-hidden", "8", "--model", model);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--hidden was given twice", stderr, StringComparison.Ordinal);

        var (_, moeHelp, _) = ProgramTests.Run("moe", "fit", "--help");
        Assert.Contains("--hidden", moeHelp, StringComparison.Ordinal);
        Assert.DoesNotContain("--expert-hidden", moeHelp, StringComparison.Ordinal);
        var (_, flowHelp, _) = ProgramTests.Run("flow", "fit", "--help");
        Assert.Contains("--flow", flowHelp, StringComparison.Ordinal);
        Assert.DoesNotContain("--type", flowHelp, StringComparison.Ordinal);

        string flow = fixture.PathFor("old-type.mlmix");
        (code, _, stderr) = ProgramTests.Run(
            "flow", "fit", "--train", fixture.TestPath, "--features", "px2..px3", "--type", "maf", "--layers", "1", "--hidden", "4", "--epochs", "1", "--threads", "1", "--model", flow);
        Assert.True(code == ExitCodes.Success, stderr);
        (code, _, stderr) = ProgramTests.Run("flow", "fit", "--train", fixture.TestPath, "--type", "nonsense", "--model", flow);
        Assert.Equal(ExitCodes.BadInput, code);
    }

    [Fact]
    public void Export_rejects_a_gate_for_a_flow_and_its_help_names_both_kinds()
    {
        string flow = fixture.PathFor("export-flow.mlmix");
        var (code, _, stderr) = ProgramTests.Run(
            "flow", "fit", "--train", fixture.TestPath, "--features", "px2..px3", "--layers", "1", "--hidden", "4", "--epochs", "1", "--threads", "1", "--model", flow);
        Assert.True(code == ExitCodes.Success, stderr);
        string onnx = fixture.PathFor("export-flow.onnx");
        (code, _, stderr) = ProgramTests.Run("export", "--model", flow, "--output", onnx, "--gate", "hard");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--gate applies to mixture-of-experts models only", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(onnx));

        (code, _, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--output", onnx, "--mode", "sample");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--mode applies to flow models only", stderr, StringComparison.Ordinal);

        var (_, help, _) = ProgramTests.Run("export", "--help");
        Assert.Contains("moe fit or flow fit", help, StringComparison.Ordinal);
        var (_, gemmHelp, _) = ProgramTests.Run("bench", "gemm", "--help");
        Assert.DoesNotContain("ONNX", gemmHelp, StringComparison.Ordinal);
    }
}
