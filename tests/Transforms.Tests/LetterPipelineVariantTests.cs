using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>
/// The README's classifier pipeline on fewer rows and epochs, with keys in order of first occurrence rather than
/// sorted (the README's own programs run word for word in tests/Samples.Tests, ReadmeExampleTests).
/// </summary>
public sealed class LetterPipelineVariantTests
{
    [Fact]
    public void Pipeline_with_first_occurrence_keys_trains_evaluates_saves_loads_and_predicts()
    {
        var ml = new MLContext(seed: 1);
        var loader = ml.Data.CreateTextLoader(
            [new TextLoader.Column("Measurements", DataKind.Single, 0, 15), new TextLoader.Column("label", DataKind.Single, 16)],
            separatorChar: ',',
            hasHeader: true);
        var train = ml.Data.TakeRows(loader.Load(LetterData.TrainPath), 2000);
        var test = ml.Data.TakeRows(loader.Load(LetterData.TestPath), 1000);

        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "label")
            .Append(ml.Transforms.Concatenate("Features", "Measurements"))
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.MulticlassClassification.Trainers.MixtureOfExperts(new MixtureOfExpertsTrainer.Options
            {
                Experts = 4,
                Epochs = 3,
                Seed = 1,
                Threads = 2,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLetter", "PredictedLabel"));

        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        // Keys follow first occurrence here (the first training label is 19), not the letter order: the predicted
        // letters still agree with Evaluate's accuracy.
        var predicted = ColumnReader.Scalars<float>(scored, "PredictedLetter");
        var actual = ColumnReader.Scalars<float>(scored, "label");
        Assert.Equal(metrics.MicroAccuracy, predicted.Zip(actual).Count(p => p.First == p.Second) / (double)actual.Length, 6);
        Assert.InRange(metrics.MicroAccuracy, 0.3, 1.0);

        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        var first = engine.Predict(new Row { Measurements = [2, 8, 3, 5, 1, 8, 13, 0, 6, 6, 10, 8, 0, 8, 0, 8] });
        Assert.Equal(26, first.Score.Length);
        Assert.InRange(first.PredictedLetter, 0f, 25f);
    }

    public sealed class Row
    {
        [VectorType(16)]
        public float[] Measurements { get; set; } = [];

        [ColumnName("label")]
        public float Label { get; set; }
    }

    public sealed class Prediction
    {
        public float PredictedLetter { get; set; }

        public float[] Score { get; set; } = [];
    }
}
