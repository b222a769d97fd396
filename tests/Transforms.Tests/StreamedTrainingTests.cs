using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Transforms.Tests;

/// <summary>The ML.NET components stream their training data: rows in memory and the same rows in a file train identically.</summary>
public sealed class StreamedTrainingTests : IDisposable
{
    private const int Rows = 900;
    private readonly string _folder = Directory.CreateTempSubdirectory("mlmix-streamed-mlnet-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void The_flow_estimator_gives_the_same_model_from_memory_and_from_a_text_file()
    {
        var points = Points();
        var inMemory = _ml.Data.LoadFromEnumerable(points);
        var fromFile = Loader().Load(WriteCsv(points));
        var options = new MixtureDensityFlowEstimator.Options { FlowType = FlowType.AffineCoupling, Layers = 2, HiddenSizes = [16], Components = 2, Epochs = 3, BatchSize = 64, Threads = 1, ShuffleBufferRows = 200 };

        var a = _ml.Transforms.MixtureDensityFlow(options).Fit(inMemory);
        var b = _ml.Transforms.MixtureDensityFlow(options).Fit(fromFile);

        Assert.Equal(ColumnReader.Scalars<float>(a.Transform(inMemory), "LogDensity"), ColumnReader.Scalars<float>(b.Transform(inMemory), "LogDensity"));
    }

    [Fact]
    public void The_mixture_of_experts_trainer_gives_the_same_model_from_memory_and_from_a_text_file()
    {
        var points = Points();
        var inMemory = _ml.Data.LoadFromEnumerable(points);
        var fromFile = Loader().Load(WriteCsv(points));
        var options = new MixtureOfExpertsTrainer.Options { LabelColumnName = "Key", Experts = 2, ExpertHiddenSizes = [8], Epochs = 3, BatchSize = 32, Threads = 1, Seed = 3, ShuffleBufferRows = 128 };
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Key", "Label").Append(_ml.MulticlassClassification.Trainers.MixtureOfExperts(options));

        var a = pipeline.Fit(inMemory);
        var b = pipeline.Fit(fromFile);

        var scoresA = ColumnReader.Vectors(a.Transform(inMemory), "Score");
        var scoresB = ColumnReader.Vectors(b.Transform(inMemory), "Score");
        Assert.Equal(0f, ColumnReader.MaxAbsDifference(scoresA, scoresB));
        double accuracy = scoresA.Select((s, i) => Array.IndexOf(s, s.Max()) == (int)points[i].Label ? 1.0 : 0.0).Average();
        Assert.True(accuracy > 0.9, $"training accuracy {accuracy}");
    }

    [Fact]
    public void Data_without_a_usable_row_is_named_after_the_streamed_pass_that_found_none()
    {
        var points = Points().Take(20).Select(p => new LabelledPoint { Label = p.Label, Features = [float.NaN, p.Features[1]] }).ToArray();
        var data = _ml.Data.LoadFromEnumerable(points);
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.MixtureDensityFlow(new MixtureDensityFlowEstimator.Options { Epochs = 1 }).Fit(data));
        Assert.Contains("the training data has no usable rows (20 skipped for a non-finite feature)", error.Message, StringComparison.Ordinal);

        var invalid = Assert.Throws<ArgumentException>(() => _ml.Transforms.MixtureDensityFlow(new MixtureDensityFlowEstimator.Options { Epochs = 1, ShuffleBufferRows = 0 }).Fit(data));
        Assert.Contains("ShuffleBufferRows", invalid.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The 8-Gaussians toy, labelled by the sign of x (two classes).</summary>
    private static LabelledPoint[] Points()
    {
        var values = ToyDensities2D.Sample(ToyDensity2D.EightGaussians, Rows, seed: 4);
        return [.. Enumerable.Range(0, Rows).Select(i => new LabelledPoint { Label = values[2 * i] > 0 ? 1 : 0, Features = [values[2 * i], values[(2 * i) + 1]] })];
    }

    private TextLoader Loader() => _ml.Data.CreateTextLoader(
        [new TextLoader.Column("Label", DataKind.Single, 0), new TextLoader.Column("Features", DataKind.Single, 1, 2)],
        separatorChar: ',',
        hasHeader: true);

    private string WriteCsv(LabelledPoint[] points)
    {
        string path = Path.Combine(_folder, "points.csv");
        File.WriteAllLines(path, ["label,x,y", .. points.Select(p => string.Join(',', new[] { p.Label, p.Features[0], p.Features[1] }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))]);
        return path;
    }

    private sealed class LabelledPoint
    {
        public float Label { get; set; }

        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }
}
