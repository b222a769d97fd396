// References Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime only: no MLNetMixture assembly.
using Microsoft.ML;

var ml = new MLContext();
var model = ml.Model.Load("rings.zip", out _);
var engine = ml.Model.CreatePredictionEngine<Point, Density>(model);
Console.WriteLine($"log-density at (1, 0): {engine.Predict(new Point { X = 1, Y = 0 }).LogDensity:F4}");
Console.WriteLine($"log-density at (2, 0): {engine.Predict(new Point { X = 2, Y = 0 }).LogDensity:F4}");

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
