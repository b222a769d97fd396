using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms;

var ml = new MLContext(seed: 1);
var rings = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2000).Select(i =>
    new Point { X = MathF.Cos(i) * (i % 2 == 0 ? 1f : 3f), Y = MathF.Sin(i) * (i % 2 == 0 ? 1f : 3f) }));

var pipeline = ml.Transforms.Concatenate("Features", "X", "Y")
    .Append(ml.Transforms.MixtureDensityFlow(new MixtureDensityFlowEstimator.Options
    {
        Components = 4,       // Gaussian components of the learnable base
        Epochs = 20,
        Seed = 1,
    }));
// or the few usual knobs: ml.Transforms.MixtureDensityFlow("Features", components: 4, epochs: 20)
var model = pipeline.Fit(rings);

var engine = ml.Model.CreatePredictionEngine<Point, Density>(model);
Console.WriteLine($"log-density at (1, 0): {engine.Predict(new Point { X = 1, Y = 0 }).LogDensity:F4}");
Console.WriteLine($"log-density at (2, 0): {engine.Predict(new Point { X = 2, Y = 0 }).LogDensity:F4}");

// Sampling: exact draws from the fitted flow, as a data view with the feature column and the log-density.
var flow = model.LastTransformer;
foreach (var row in ml.Data.CreateEnumerable<Sample>(flow.Sample(3, seed: 2), reuseRowObject: false))
{
    Console.WriteLine($"sample ({row.Features[0]:F3}, {row.Features[1]:F3}), log-density {row.LogDensity:F3}");
}

// Save: ML.NET's own transformers only, so a process without MLNetMixture loads and scores it (MLNetStockScoring).
ml.Model.Save(model, rings.Schema, "rings.zip");
flow.SaveOnnx("rings.onnx");

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

public sealed class Sample
{
    [VectorType(2)] public float[] Features { get; set; } = [];
    public float LogDensity { get; set; }
}
