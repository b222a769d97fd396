using System.Globalization;
using MLNetMixture.Reporting;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Samples.FlowsToys;

/// <summary>
/// Mixture-density flows on the 2D toy densities (moons, 8 Gaussians, checkerboard, pinwheel, rings, 2 spirals),
/// with a standard-normal base (K = 1) and an 8-component mixture base; KL(true || model) where the truth is known,
/// and one HTML page per toy comparing the two bases: `dotnet run --project samples/FlowsToys -- [--quick] [output-folder]`.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string output = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "flows-toys";
        Directory.CreateDirectory(output);
        var toys = quick ? new[] { ToyDensity2D.EightGaussians } : Enum.GetValues<ToyDensity2D>();
        var results = new List<string> { $"{"toy",-16} {"K",3} {"test LL",9} {"KL(true||model)",16}" };
        foreach (var toy in toys)
        {
            int n = quick ? 1000 : 10_000;
            var train = new FeatureTable(ToyDensities2D.Sample(toy, n, seed: 1), n, ["x", "y"], source: toy.ToString());
            var test = new FeatureTable(ToyDensities2D.Sample(toy, 5000, seed: 2), 5000, ["x", "y"], source: toy + " (test)");
            var page = new HtmlReport($"{toy}: standard-normal base (K = 1) against a mixture base (K = 8)")
            {
                Subtitle = "A spline-coupling flow (4 layers, 64-64 conditioners) fitted to the same rows with each base: the comparison first, then each model's curves and density map.",
            };
            var comparison = page.AddSection("Comparison");
            var rows = new List<IReadOnlyList<string>>();
            var reports = new List<(int K, HtmlReport Report)>();
            foreach (int k in new[] { 1, 8 })
            {
                // One line every 10 epochs, so that the 12 fits (about two minutes on 2 cores) are not silent.
                var progress = new EpochReporter(p => Console.WriteLine($"  {toy}, K = {k}: epoch {p.Epoch}/{p.Epochs}, validation log-likelihood {p.Validation:F3}"), every: 10);
                var model = MixtureDensityFlowModel.Fit(train, new MixtureDensityFlowOptions { Architecture = { Components = k, Layers = 4, HiddenSizes = [64, 64] }, Optimization = { Epochs = quick ? 2 : 100 } }, progress: progress);
                var ll = model.LogDensity(test);
                string kl = "n/a";
                if (ToyDensities2D.HasTrueLogDensity(toy))
                {
                    double sum = 0;
                    for (int i = 0; i < test.Rows; i++)
                    {
                        sum += ToyDensities2D.TrueLogDensity(toy, test.Features[2 * i], test.Features[(2 * i) + 1]) - ll[i];
                    }

                    kl = (sum / test.Rows).ToString("F3", CultureInfo.InvariantCulture);
                }

                string meanLl = ll.Average().ToString("F3", CultureInfo.InvariantCulture);
                results.Add($"{toy,-16} {k,3} {meanLl,9} {kl,16}");
                rows.Add([k.ToString(CultureInfo.InvariantCulture), meanLl, kl, (model.Training?.EpochsRun ?? 0).ToString(CultureInfo.InvariantCulture)]);
                reports.Add((k, new MixtureDensityFlowReport(model, test).Build()));
            }

            comparison.AddTable(["K", "test log-likelihood (nats/row)", "KL(true || model)", "epochs"], rows, "Higher log-likelihood and lower KL are better; both on 5,000 fresh test draws.");
            foreach (var (k, report) in reports)
            {
                page.Include(report, $"K = {k}: ");
            }

            page.Save(Path.Combine(output, $"{toy}.html"));
        }

        results.ForEach(Console.WriteLine);
        Console.WriteLine($"reports (one page per toy comparing K = 1 and K = 8) in {Path.GetFullPath(output)}");
        return 0;
    }
}
