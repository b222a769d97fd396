using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>The README's ML.NET example, on fewer rows and epochs: a vector column, keys in order of first occurrence.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void Readme_pipeline_trains_evaluates_saves_loads_and_predicts()
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

    [Fact]
    public void Readme_flow_pipeline_fits_saves_loads_and_predicts()
    {
        var ml = new MLContext(seed: 1);
        var points = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2000).Select(i =>
            new Point { X = MathF.Cos(i) * (i % 2 == 0 ? 1f : 3f), Y = MathF.Sin(i) * (i % 2 == 0 ? 1f : 3f) }));
        var pipeline = ml.Transforms.Concatenate("Features", "X", "Y")
            .Append(ml.Transforms.MixtureDensityFlow(new MixtureDensityFlowEstimator.Options
            {
                Components = 4,
                Epochs = 5,
                Seed = 1,
                Threads = 2,
            }));
        var model = pipeline.Fit(points);
        string path = Path.Combine(Path.GetTempPath(), $"rings-{Environment.ProcessId}.zip");
        try
        {
            ml.Model.Save(model, points.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<Point, Density>(loaded);
            var onRing = engine.Predict(new Point { X = 1, Y = 0 });
            var between = engine.Predict(new Point { X = 2, Y = 0 });
            Assert.Equal(4, onRing.ComponentPosterior.Length);
            Assert.True(float.IsFinite(onRing.LogDensity));
            Assert.True(onRing.LogDensity > between.LogDensity, $"a point on the inner ring ({onRing.LogDensity}) should be denser than one between the rings ({between.LogDensity})");
        }
        finally
        {
            File.Delete(path);
        }
    }

    public sealed class Point
    {
        public float X { get; set; }

        public float Y { get; set; }
    }

    public sealed class Density
    {
        public float LogDensity { get; set; }

        public float[] ComponentPosterior { get; set; } = [];
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
