using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Samples.QuickStart;

/// <summary>Quick start: a mixture-of-experts classifier and a mixture-density flow in a few lines.</summary>
public static class Program
{
    /// <summary>Run with `dotnet run --project samples/QuickStart` from the repository root; `--quick` trains briefly.</summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string data = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "data";

        // Classify handwritten digits with 8 gated experts.
        var train = CsvFeatureReader.Read(Path.Combine(data, "digits_train.csv"), label: "label");
        var test = CsvFeatureReader.Read(Path.Combine(data, "digits_test.csv"), label: "label");
        var classifier = MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Architecture = { Experts = 8 }, Optimization = { Epochs = quick ? 3 : 60 } },
            progress: new EpochReporter(p => Console.WriteLine($"  digits {MixtureOfExpertsStatistics.Describe(p)}"), every: 10));
        var metrics = classifier.Evaluate(test);
        Console.WriteLine($"digits: test accuracy {metrics.Accuracy:P2}, macro-F1 {metrics.MacroF1:F3}");
        Console.WriteLine($"first test row -> label {classifier.PredictRow(test.Row(0)).PredictedLabel}, expert {classifier.PredictRow(test.Row(0)).Expert}");

        // Fit a density to MINIBOONE with a flow whose base is a mixture of 8 Gaussians.
        var events = CsvFeatureReader.Read(Path.Combine(data, "miniboone_val.csv.gz"));
        var flow = MixtureDensityFlowModel.Fit(events.Slice(0, 2955), new MixtureDensityFlowOptions { Architecture = { Components = 8 }, Optimization = { Epochs = quick ? 2 : 30 } }, events.Slice(2955, 329),
            new EpochReporter(p => Console.WriteLine($"  miniboone epoch {p.Epoch}/{p.Epochs}: validation log-likelihood {p.Validation:F2}"), every: 5));
        Console.WriteLine($"miniboone: validation log-likelihood {flow.LogDensity(events.Slice(2955, 329)).Average():F2} nats per point");

        classifier.Save("digits.mlmix");
        flow.Save("miniboone.mlmix");
        return 0;
    }
}
