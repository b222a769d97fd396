using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Persistence;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class FittedMixtureOfExpertsModelTests : IClassFixture<TrainedDigitsModel>, IDisposable
{
    private readonly MixtureOfExpertsModel _model;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-moe-").FullName;

    public FittedMixtureOfExpertsModelTests(TrainedDigitsModel trained)
    {
        _model = trained.Model;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Save_and_load_give_identical_scores_gates_labels_and_features()
    {
        string path = Path.Combine(_dir, "digits.mlmix");
        _model.Save(path);
        var loaded = MixtureOfExpertsModel.Load(path);

        var before = _model.Transform(DigitsSlice.Test);
        var after = loaded.Transform(DigitsSlice.Test);
        Assert.Equal(before.Scores.ToArray(), after.Scores.ToArray());
        Assert.Equal(before.GateProbabilities.ToArray(), after.GateProbabilities.ToArray());
        Assert.Equal(before.PredictedLabels, after.PredictedLabels);
        Assert.Equal(_model.ClassLabels, loaded.ClassLabels);
        Assert.Equal(_model.FeatureNames, loaded.FeatureNames);
        Assert.Equal(_model.Options.Loss.Objective, loaded.Options.Loss.Objective);
        Assert.Equal(_model.Options.Architecture.ExpertHiddenSizes, loaded.Options.Architecture.ExpertHiddenSizes);
        Assert.Null(loaded.Training);
        Assert.Equal(_model.WithTopK(1).Transform(DigitsSlice.Test).Scores.ToArray(), loaded.WithTopK(1).Transform(DigitsSlice.Test).Scores.ToArray());

        var contents = ModelFile.Load(path, MixtureOfExpertsModel.ModelKind);
        Assert.Contains(contents.Tensors, t => t.Name == "standardizer.mean");
        Assert.Equal(64, contents.Configuration["featureNames"]!.AsArray().Count);
        Assert.Equal(10, contents.Configuration["labels"]!.AsArray().Count);
    }

    [Fact]
    public void Onnx_export_follows_the_routing_and_scores_like_the_model()
    {
        string path = Path.Combine(_dir, "digits.onnx");
        _model.ExportOnnx(path);
        using var soft = OnnxScorer.Load(path);
        Assert.Equal("Soft", soft.Metadata[OnnxMetadataKeys.GateMode]);
        Assert.Equal(OnnxExportConventions.JsonArray(_model.ClassLabels), soft.Metadata[OnnxMetadataKeys.ClassLabels]);
        var table = DigitsSlice.Test;
        var native = _model.Transform(table);
        var onnx = soft.Score(table.Features, table.Rows)["Score"].Floats!;
        for (int i = 0; i < onnx.Length; i++)
        {
            Assert.InRange(Math.Abs(native.Scores.Span[i] - onnx[i]), 0f, 1e-4f);
        }

        using var top1 = OnnxScorer.Load(_model.WithTopK(1).ToOnnx());
        Assert.Equal("HardTop1", top1.Metadata[OnnxMetadataKeys.GateMode]);
        Assert.Throws<NotSupportedException>(() => _model.WithTopK(2).ToOnnx());
        using var explicitSoft = OnnxScorer.Load(_model.WithTopK(2).ToOnnx(new MixtureOfExpertsOnnxExportOptions()));
        Assert.Equal("Soft", explicitSoft.Metadata[OnnxMetadataKeys.GateMode]);
    }

    [Fact]
    public void Loading_another_kind_or_a_tampered_architecture_is_a_clear_model_file_error()
    {
        string other = Path.Combine(_dir, "other.mlmix");
        ModelFile.Save(other, "MixtureDensityFlow", [], []);
        var wrongKind = Assert.Throws<ModelFileException>(() => MixtureOfExpertsModel.Load(other));
        Assert.Contains("MixtureDensityFlow", wrongKind.Message, StringComparison.Ordinal);

        string path = Path.Combine(_dir, "tampered.mlmix");
        _model.Save(path);
        var contents = ModelFile.Load(path, null);
        contents.Configuration["settings"]!["architecture"]!["expertHiddenSizes"] = new System.Text.Json.Nodes.JsonArray(32);
        ModelFile.Save(path, contents.Kind, contents.Configuration, contents.Tensors);
        var tampered = Assert.Throws<ModelFileException>(() => MixtureOfExpertsModel.Load(path));
        Assert.Contains("experts.0.weight", tampered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Top1_routing_agrees_with_the_soft_mixture_on_most_rows_and_top_k_equals_soft()
    {
        var soft = _model.Transform(DigitsSlice.Test);
        var top1 = _model.WithTopK(1).Transform(DigitsSlice.Test);
        double agreement = soft.PredictedLabels.Zip(top1.PredictedLabels, (a, b) => a == b ? 1.0 : 0.0).Average();
        Assert.True(agreement > 0.9, $"top-1 and soft agree on {agreement:P1} of the rows.");
        AssertClose(soft.GateProbabilities.Span, top1.GateProbabilities.Span, 1e-5f);
        Assert.Equal(soft.Experts, top1.Experts);

        var topAll = _model.WithTopK(_model.ExpertCount).Transform(DigitsSlice.Test);
        AssertClose(soft.Scores.Span, topAll.Scores.Span, 1e-4f);

        Assert.Throws<ArgumentOutOfRangeException>(() => _model.WithTopK(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.WithTopK(9));
    }

    [Fact]
    public void Transform_gives_probabilities_labels_gates_and_experts_for_every_row()
    {
        var test = DigitsSlice.Test;
        var scores = _model.Transform(test);
        Assert.Equal(test.Rows, scores.Rows);
        for (int r = 0; r < scores.Rows; r++)
        {
            Assert.Equal(1f, scores.Score(r).ToArray().Sum(), 1e-4f);
            Assert.Equal(1f, scores.Gate(r).ToArray().Sum(), 1e-4f);
            var p = scores.Prediction(r);
            Assert.Equal(_model.ClassLabels[p.PredictedClass], p.PredictedLabel);
            Assert.Equal(p.Score.Max(), p.Score[p.PredictedClass]);
            Assert.Equal(p.GateProbabilities.Max(), p.GateProbabilities[p.Expert]);
        }

        // Raw rows in feature order, and a table whose columns come in another order with an extra column, agree.
        var row = _model.PredictRow(test.Row(5));
        Assert.Equal(scores.Score(5).ToArray(), row.Score);
        var shuffled = Reorder(test);
        Assert.Equal(scores.Scores.ToArray(), _model.Transform(shuffled).Scores.ToArray());

        var table = scores.ToFeatureTable();
        Assert.Equal(10 + 8 + 1, table.Columns);
        Assert.Equal("Score.0", table.FeatureNames[0]);
        Assert.Equal(scores.PredictedLabels, table.Labels);
    }

    [Fact]
    public void Large_tables_are_scored_in_chunks_with_the_same_results()
    {
        var test = DigitsSlice.Test;
        const int copies = 12; // 4,320 rows: more than one chunk
        var values = new float[copies * test.Features.Length];
        for (int i = 0; i < copies; i++)
        {
            test.Features.CopyTo(values, i * test.Features.Length);
        }

        var large = _model.Transform(new FeatureTable(values, copies * test.Rows, test.FeatureNames));
        var small = _model.Transform(test);
        for (int r = 0; r < large.Rows; r++)
        {
            AssertClose(small.Score(r % test.Rows), large.Score(r), 1e-6f);
        }
    }

    [Fact]
    public void Evaluate_reports_consistent_accuracy_f1_log_loss_confusion_and_expert_figures()
    {
        var m = _model.Evaluate(DigitsSlice.Test);
        var cm = m.ConfusionMatrix;
        int correct = Enumerable.Range(0, 10).Sum(c => cm.Count(c, c));
        Assert.Equal((double)correct / m.Rows, m.Accuracy, 12);
        Assert.Equal(m.Rows, cm.Counts.Sum(row => row.Sum()));
        Assert.Equal(Enumerable.Range(0, 10).Select(cm.F1).Average(), m.MacroF1, 12);
        Assert.True(m.LogLoss > 0 && m.LogLoss < 1);
        Assert.Equal(1.0, m.ExpertShares.Sum(), 9);
        Assert.Equal(m.Rows, m.ExpertRows.Sum());
        Assert.Equal(1.0, m.MeanGateProbabilities.Sum(), 6);
        Assert.InRange(m.MeanGateEntropy, 0, Math.Log(8));
        double weighted = Enumerable.Range(0, 8).Where(e => m.ExpertRows[e] > 0).Sum(e => m.ExpertAccuracy[e] * m.ExpertRows[e]) / m.Rows;
        Assert.Equal(m.Accuracy, weighted, 9);
        Assert.Contains("macro-F1", m.ToString(), StringComparison.Ordinal);
        Assert.Contains("true \\ pred", cm.ToString(), StringComparison.Ordinal);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance);
        }
    }

    private static FeatureTable Reorder(FeatureTable table)
    {
        var names = table.FeatureNames.Reverse().Append("extra").ToArray();
        var values = new float[table.Rows * names.Length];
        for (int r = 0; r < table.Rows; r++)
        {
            var row = table.Row(r);
            for (int c = 0; c < table.Columns; c++)
            {
                values[(r * names.Length) + (table.Columns - 1 - c)] = row[c];
            }

            values[(r * names.Length) + table.Columns] = 1e6f;
        }

        return new FeatureTable(values, table.Rows, names, table.Labels, "reordered");
    }
}
