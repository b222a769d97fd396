using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms;

var ml = new MLContext(seed: 1);
var loader = ml.Data.CreateTextLoader(
    [new TextLoader.Column("Measurements", DataKind.Single, 0, 15), new TextLoader.Column("label", DataKind.Single, 16)],
    separatorChar: ',', hasHeader: true);
var train = loader.Load("data/letter_train.csv");
var test = loader.Load("data/letter_test.csv");

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "label")
    .Append(ml.Transforms.Concatenate("Features", "Measurements"))
    .Append(ml.Transforms.NormalizeMinMax("Features"))
    .Append(ml.MulticlassClassification.Trainers.MixtureOfExperts(new MixtureOfExpertsTrainer.Options
    {
        Experts = 8,          // flat, as ML.NET's trainer options are: columns and hyperparameters side by side
        Epochs = 20,
        Seed = 1,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLetter", "PredictedLabel"));
// or the few usual knobs: ml.MulticlassClassification.Trainers.MixtureOfExperts(experts: 8, epochs: 20)

var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");

// Permutation feature importance of the fitted mixture, on the test rows as it sees them.
var steps = model.ToArray();
var experts = (MixtureOfExpertsPredictionTransformer)steps[3];
var prepared = steps[..3].Aggregate(test, (data, step) => step.Transform(data));
var importance = ml.MulticlassClassification.PermutationFeatureImportance(experts, prepared, "Label", permutationCount: 1);
var mostImportant = Enumerable.Range(0, importance.Length).MinBy(i => importance[i].MicroAccuracy.Mean);
Console.WriteLine($"most important measurement: {mostImportant} (accuracy {importance[mostImportant].MicroAccuracy.Mean:+0.0000;-0.0000} when shuffled)");

// Save and load: the zip holds ML.NET's own transformers only.
ml.Model.Save(model, train.Schema, "letter.zip");
var loaded = new MLContext().Model.Load("letter.zip", out _);
var engine = ml.Model.CreatePredictionEngine<LetterRow, LetterPrediction>(loaded);
var first = engine.Predict(new LetterRow { Measurements = [2, 8, 3, 5, 1, 8, 13, 0, 6, 6, 10, 8, 0, 8, 0, 8] });
Console.WriteLine($"predicted letter index {first.PredictedLetter} of {first.Score.Length}");

// The mixture alone as ONNX, with the training columns' names: for ONNX Runtime, `mlmix onnx score` or Triton.
experts.SaveOnnx("letter.onnx");

public sealed class LetterRow
{
    [VectorType(16)] public float[] Measurements { get; set; } = [];
    [ColumnName("label")] public float Label { get; set; }
}

public sealed class LetterPrediction
{
    public float PredictedLetter { get; set; }
    public float[] Score { get; set; } = [];
}
