using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms;

namespace MLNetMixture.Cli.Tests;

/// <summary>
/// The ONNX contract between the ML.NET trainer and <c>mlmix onnx score</c>: the model exported from the fitted
/// ML.NET transformer names its features (the feature column's slot names) in its <c>feature_names</c> metadata, so
/// the CLI picks those columns from the original CSV by name, without <c>--features</c>. (Concatenate names the
/// slots after its scalar input columns; a feature column without slot names exports f0, f1, ... and needs
/// <c>--features</c>.)
/// </summary>
public sealed class MLNetOnnxScoringTests
{
    [Fact]
    public void Onnx_exported_from_the_mlnet_transformer_scores_the_original_csv_without_features()
    {
        var ml = new MLContext(seed: 1);
        string[] names = File.ReadLines(TrainedMixtureOfExpertsFixture.DataFile("letter_train.csv")).First().Split(',')[..16];
        var columns = names.Select((n, i) => new TextLoader.Column(n, DataKind.Single, i)).Append(new TextLoader.Column("label", DataKind.Single, 16)).ToArray();
        var train = ml.Data.TakeRows(ml.Data.LoadFromTextFile(TrainedMixtureOfExpertsFixture.DataFile("letter_train.csv"), columns, separatorChar: ',', hasHeader: true), 1000);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "label")
            .Append(ml.Transforms.Concatenate("Features", names))
            .Append(ml.MulticlassClassification.Trainers.MixtureOfExperts(new MixtureOfExpertsTrainer.Options { Experts = 2, ExpertHiddenSizes = [8], Epochs = 2, Threads = 1 }))
            .Fit(train);
        var moe = model.LastTransformer;
        Assert.Equal(names, moe.Model.FeatureNames);

        string dir = Directory.CreateTempSubdirectory("mlmix-mlnet-onnx-").FullName;
        try
        {
            string onnx = Path.Combine(dir, "letter.onnx");
            moe.SaveOnnx(onnx);
            string scored = Path.Combine(dir, "scored.csv");
            var (code, _, stderr) = ProgramTests.Run("onnx", "score", "--model", onnx, "--data", TrainedMixtureOfExpertsFixture.DataFile("letter_test.csv"), "--output", scored);
            Assert.True(code == ExitCodes.Success, stderr);
            Assert.Equal(4001, File.ReadLines(scored).Count());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
