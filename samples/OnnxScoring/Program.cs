using System.Diagnostics;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Samples.OnnxScoring;

/// <summary>
/// Trains a mixture-of-experts classifier on letter, exports it to ONNX and scores it with ONNX Runtime in
/// batches: `dotnet run --project samples/OnnxScoring -- [--device cpu|cuda:N] [--quick] [data-folder]`.
/// With CUDA requested on a machine without it, the scorer falls back to the CPU with one warning.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        int deviceAt = Array.IndexOf(args, "--device");
        string device = deviceAt >= 0 && deviceAt + 1 < args.Length ? args[deviceAt + 1] : "cpu";
        string data = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] != "--device")).FirstOrDefault() ?? "data";

        var train = CsvFeatureReader.Read(Path.Combine(data, "letter_train.csv"), label: "label");
        var test = CsvFeatureReader.Read(Path.Combine(data, "letter_test.csv"), label: "label");
        if (quick)
        {
            train = train.Slice(0, 2000);
        }

        var model = MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Architecture = { Experts = 8 }, Optimization = { Epochs = quick ? 2 : 40 } });
        string onnx = Path.Combine(Path.GetTempPath(), "letter-moe.onnx");
        new MixtureOfExpertsOnnxExporter().WriteFile(model.Standardizer, model.Model, model.ClassLabels, model.FeatureNames, onnx);
        Console.WriteLine($"exported {onnx} ({new FileInfo(onnx).Length:N0} bytes)");

        var options = new OnnxScoringOptions
        {
            Device = device.StartsWith("cuda", StringComparison.Ordinal) ? OnnxExecutionDevice.Cuda : OnnxExecutionDevice.Cpu,
            DeviceId = device.Contains(':', StringComparison.Ordinal) ? int.Parse(device[(device.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 0,
            FallbackToCpu = true,
            BatchSize = 1024,
        };
        using var scorer = OnnxScorer.Load(onnx, options);
        var sw = Stopwatch.StartNew();
        var outputs = scorer.Score(test.Features, test.Rows);
        double seconds = sw.Elapsed.TotalSeconds;
        var labels = outputs[MixtureOfExpertsOnnxExporter.PredictedLabelOutput].Int64s!;
        int correct = 0;
        for (int i = 0; i < test.Rows; i++)
        {
            correct += model.ClassLabels[(int)labels[i]] == test.Labels![i] ? 1 : 0;
        }

        Console.WriteLine($"{scorer.ActiveProvider}: {test.Rows} rows in {seconds * 1000:F1} ms ({test.Rows / seconds:N0} rows/s), accuracy {(double)correct / test.Rows:P2}");
        Console.WriteLine($"native C#: accuracy {model.Evaluate(test).Accuracy:P2}");
        return 0;
    }
}
