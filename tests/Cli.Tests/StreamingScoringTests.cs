using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Cli.Tests;

/// <summary>flow score, moe predict and onnx score read, score and write in row batches: the output is the same for any batch size.</summary>
public sealed class StreamingScoringTests(TrainedMixtureOfExpertsFixture fixture) : IClassFixture<TrainedMixtureOfExpertsFixture>
{
    [Fact]
    public void Flow_score_in_batches_writes_what_scoring_the_whole_file_in_memory_writes()
    {
        string data = TrainedMixtureOfExpertsFixture.DataFile("miniboone_val.csv.gz");
        string model = fixture.PathFor("miniboone-flow.mlmix");
        var (code, _, stderr) = ProgramTests.Run("flow", "fit", "--train", data, "--epochs", "1", "--layers", "2", "--hidden", "8", "--components", "2", "--threads", "1", "--model", model, "--quiet");
        Assert.True(code == ExitCodes.Success, stderr);

        // The in-memory path: the whole file read at once, scored at once, every value formatted as the CLI formats it.
        var transformer = MixtureDensityFlowModel.Load(model);
        var table = CsvFeatureReader.Read(data, string.Join(',', transformer.FeatureNames));
        var scored = transformer.Transform(table);
        var expected = new List<string> { string.Join(',', scored.FeatureNames.Skip(table.Columns)) };
        expected.AddRange(Enumerable.Range(0, scored.Rows).Select(r => string.Join(',', scored.Row(r)[table.Columns..].ToArray().Select(CsvOutputFile.Format))));

        string streamed = fixture.PathFor("miniboone-streamed.csv");
        (code, var stdout, stderr) = ProgramTests.Run("flow", "score", "--model", model, "--data", data, "--output", streamed, "--rows-per-batch", "500", "--json");

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(7, JsonNode.Parse(stdout)!["batches"]!.GetValue<int>()); // 3,284 rows: 6 × 500 + 284
        Assert.Equal(3284, JsonNode.Parse(stdout)!["rows"]!.GetValue<long>());
        Assert.Equal(expected, File.ReadAllLines(streamed));
    }

    [Fact]
    public void Moe_predict_and_onnx_score_write_the_same_file_for_any_rows_per_batch()
    {
        string data = TrainedMixtureOfExpertsFixture.DataFile("digits_test.csv");
        string onnx = fixture.PathFor("streaming.onnx");
        var (code, _, stderr) = ProgramTests.Run("export", "--model", fixture.ModelPath, "--output", onnx);
        Assert.True(code == ExitCodes.Success, stderr);

        foreach (var command in new[] { new[] { "moe", "predict", "--model", fixture.ModelPath }, ["onnx", "score", "--model", onnx, "--batch-size", "16"] })
        {
            string whole = fixture.PathFor($"{command[0]}-whole.csv");
            string batched = fixture.PathFor($"{command[0]}-batched.csv");
            (code, var stdout, stderr) = ProgramTests.Run([.. command, "--data", data, "--output", whole, "--json"]);
            Assert.True(code == ExitCodes.Success, stderr);
            Assert.Equal(1, JsonNode.Parse(stdout)!["batches"]!.GetValue<int>());
            (code, stdout, stderr) = ProgramTests.Run([.. command, "--data", data, "--output", batched, "--rows-per-batch", "50", "--json"]);
            Assert.True(code == ExitCodes.Success, stderr);
            Assert.Equal(8, JsonNode.Parse(stdout)!["batches"]!.GetValue<int>()); // 360 rows
            Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(batched));
            Assert.Equal(361, File.ReadAllLines(batched).Length);
        }
    }

    [Fact]
    public void A_bad_row_in_a_later_batch_fails_with_the_same_message_and_leaves_no_output()
    {
        var lines = File.ReadAllLines(TrainedMixtureOfExpertsFixture.DataFile("digits_test.csv"));
        var fields = lines[300].Split(',');
        fields[5] = "n/a";
        lines[300] = string.Join(',', fields);
        string data = fixture.PathFor("digits-bad-row.csv");
        File.WriteAllLines(data, lines);
        string header5 = lines[0].Split(',')[5];

        foreach (string rowsPerBatch in new[] { "65536", "7" })
        {
            string output = fixture.PathFor($"bad-{rowsPerBatch}.csv");
            var (code, _, stderr) = ProgramTests.Run("moe", "predict", "--model", fixture.ModelPath, "--data", data, "--output", output, "--rows-per-batch", rowsPerBatch);

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"{data}, row 301, column '{header5}' (6): expected a number, found 'n/a'.", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }

        var (zeroCode, _, zeroErr) = ProgramTests.Run("moe", "predict", "--model", fixture.ModelPath, "--data", data, "--output", fixture.PathFor("x.csv"), "--rows-per-batch", "0");
        Assert.Equal(ExitCodes.BadInput, zeroCode);
        Assert.Contains("--rows-per-batch must be at least 1; got 0.", zeroErr, StringComparison.Ordinal);
    }
}
