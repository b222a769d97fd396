using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Samples.ExpertsSatellite;

/// <summary>
/// Mixture of experts on satellite with the three gate objectives side by side, plus K = 1 (a plain MLP):
/// `dotnet run --project samples/ExpertsSatellite -- [--quick] [data-folder]`.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string data = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "data";
        var train = CsvFeatureReader.Read(Path.Combine(data, "satellite_train.csv"), label: "label");
        var test = CsvFeatureReader.Read(Path.Combine(data, "satellite_test.csv"), label: "label");
        if (quick)
        {
            train = train.Select(Enumerable.Range(0, train.Rows).Where(i => i % 5 == 0).ToArray()); // every class, fewer rows
        }

        var table = new List<string> { $"{"objective",-16} {"experts",7} {"accuracy",9} {"macro-F1",9} {"used",5} {"gate entropy",13}" };
        foreach (var (objective, experts) in new[] { (GateObjective.Marginal, 8), (GateObjective.GumbelSoftmax, 8), (GateObjective.StraightThrough, 8), (GateObjective.Marginal, 1) })
        {
            // One progress line every 20 epochs, so a long run is not silent.
            var progress = new EpochReporter(p => Console.WriteLine($"  {objective}, K = {experts}: epoch {p.Epoch}/{p.Epochs}, loss {p.TrainingLoss:F4}, {p.SamplesPerSecond:N0} samples/s"), every: 20);
            var model = MixtureOfExpertsModel.Fit(train, new MixtureOfExpertsModelOptions { Architecture = { Experts = experts }, Loss = { Objective = objective }, Optimization = { Epochs = quick ? 2 : 100 } }, progress: progress);
            var m = model.Evaluate(test);
            table.Add($"{objective,-16} {experts,7} {m.Accuracy,9:P2} {m.MacroF1,9:F3} {experts - m.UnusedExperts,5} {m.MeanGateEntropy,13:F3}");
        }

        table.ForEach(Console.WriteLine);

        return 0;
    }
}
