using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Transforms.Tests;

public sealed class FlowAnomalyDetectionTests
{
    private const int NormalDigit = 0;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Every_other_digit_as_the_normal_class_also_gives_a_high_auc(int normal)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Digits("digits_train.csv", normal).Where(d => d.Digit == normal));
        var test = ml.Data.LoadFromEnumerable(Digits("digits_test.csv", normal));
        var detector = ml.AnomalyDetection.Trainers.MixtureDensityFlow(new MixtureDensityFlowAnomalyEstimator.Options
        {
            Flow = new() { FlowType = FlowType.AffineCoupling, Layers = 4, HiddenSizes = [32], Epochs = 60, Threads = 2, Seed = 1 },
        }).Fit(train);
        var metrics = ml.AnomalyDetection.Evaluate(detector.Transform(test), "Label", "Score", "PredictedLabel");
        TestContext.Current.TestOutputHelper?.WriteLine($"digit {normal}: AUC {metrics.AreaUnderRocCurve:F4}");
        Assert.True(metrics.AreaUnderRocCurve > 0.9, $"digit {normal}: AUC {metrics.AreaUnderRocCurve:F4}");
    }

    [Fact]
    public void Flow_fitted_on_one_digit_ranks_the_other_digits_as_anomalies_under_mlnets_evaluator()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Digits("digits_train.csv").Where(d => d.Digit == NormalDigit));
        var test = ml.Data.LoadFromEnumerable(Digits("digits_test.csv"));

        var detector = ml.AnomalyDetection.Trainers.MixtureDensityFlow(new MixtureDensityFlowAnomalyEstimator.Options
        {
            Flow = new() { FlowType = FlowType.AffineCoupling, Layers = 4, HiddenSizes = [32], Epochs = 60, Threads = 2, Seed = 1 },
            Contamination = 0.05,
        }).Fit(train);
        var scored = detector.Transform(test);
        var metrics = ml.AnomalyDetection.Evaluate(scored, "Label", "Score", "PredictedLabel");
        TestContext.Current.TestOutputHelper?.WriteLine($"digits: flow fitted on the {NormalDigit}s of digits_train.csv; digits_test.csv AUC {metrics.AreaUnderRocCurve:F4}, detection rate at #anomalies {metrics.DetectionRateAtFalsePositiveCount:F4}, threshold {detector.Threshold:F2}");

        Assert.True(metrics.AreaUnderRocCurve > 0.9, $"AUC {metrics.AreaUnderRocCurve:F4}");
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);

        // About the contamination rate of the training rows is flagged.
        var flaggedTrain = ColumnReader.Scalars<bool>(detector.Transform(train), "PredictedLabel");
        Assert.InRange(flaggedTrain.Count(f => f) / (double)flaggedTrain.Length, 0.02, 0.08);
    }

    [Fact]
    public void A_fixed_threshold_decides_the_predicted_label()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Digits("digits_train.csv").Where(d => d.Digit == NormalDigit));
        var detector = ml.AnomalyDetection.Trainers.MixtureDensityFlow(threshold: 100f, epochs: 2, seed: 1).Fit(train);
        Assert.Equal(100f, detector.Threshold);
        var scored = detector.Transform(train);
        var scores = ColumnReader.Scalars<float>(scored, "Score");
        var flagged = ColumnReader.Scalars<bool>(scored, "PredictedLabel");
        Assert.Equal(scores.Select(s => s > 100f), flagged);

        // Saved as ML.NET's own transformers: loads in a new context with the same columns and (ONNX Runtime's) scores.
        using var stream = new MemoryStream();
        ml.Model.Save(detector, train.Schema, stream);
        stream.Position = 0;
        var reloaded = new MLContext().Model.Load(stream, out _).Transform(train);
        Assert.Equal(NumberDataViewType.Single, reloaded.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, reloaded.Schema["PredictedLabel"].Type);
        Assert.Null(reloaded.Schema.GetColumnOrNull("LogDensity"));
        var reloadedScores = ColumnReader.Scalars<float>(reloaded, "Score");
        Assert.InRange(ColumnReader.MaxAbsDifference([reloadedScores], [scores]), 0f, 1e-3f);
        var reloadedFlags = ColumnReader.Scalars<bool>(reloaded, "PredictedLabel");
        Assert.Equal(reloadedScores.Select(s => s > 100f), reloadedFlags);

        // mlContext.LoadBatched scores the saved detector's ONNX step in batches with the same columns.
        stream.Position = 0;
        using var batched = new MLContext().LoadBatched(stream, out _);
        var batchedScores = ColumnReader.Scalars<float>(batched.Transform(train), "Score");
        Assert.InRange(ColumnReader.MaxAbsDifference([batchedScores], [scores]), 0f, 1e-3f);
    }

    private static List<DigitRow> Digits(string file, int normal = NormalDigit)
    {
        var rows = new List<DigitRow>();
        foreach (var line in File.ReadLines(Path.Combine(LetterData.RepositoryRoot(), "data", file)).Skip(1))
        {
            var values = line.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            int digit = (int)values[^1];
            rows.Add(new DigitRow { Features = values[..^1], Digit = digit, Label = digit == normal ? 0f : 1f });
        }

        return rows;
    }

    public sealed class DigitRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public int Digit { get; set; }

        /// <summary>1 for an anomaly (any other digit), as ML.NET's anomaly evaluator reads it.</summary>
        public float Label { get; set; }
    }
}
