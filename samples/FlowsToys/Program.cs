using MLNetMixture.Training.Datasets;
using MLNetMixture.Transforms.Data;
using MLNetMixture.Transforms.Flows;
using MLNetMixture.Transforms.Reporting;

namespace MLNetMixture.Samples.FlowsToys;

/// <summary>
/// Mixture-density flows on the 2D toy densities (moons, 8 Gaussians, checkerboard, pinwheel, rings, 2 spirals),
/// with a standard-normal base (K = 1) and an 8-component mixture base; KL(true || model) where the truth is known,
/// and an HTML report per toy: `dotnet run --project samples/FlowsToys -- [--quick] [output-folder]`.
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
        Console.WriteLine($"{"toy",-16} {"K",3} {"test LL",9} {"KL(true||model)",16}");
        foreach (var toy in toys)
        {
            int n = quick ? 1000 : 10_000;
            var train = new FeatureTable(ToyDensities2D.Sample(toy, n, seed: 1), n, ["x", "y"], source: toy.ToString());
            var test = new FeatureTable(ToyDensities2D.Sample(toy, 5000, seed: 2), 5000, ["x", "y"], source: toy + " (test)");
            foreach (int k in new[] { 1, 8 })
            {
                var model = new MixtureDensityFlowEstimator(new MixtureDensityFlowOptions { Components = k, Layers = 4, HiddenSizes = [64, 64], Epochs = quick ? 2 : 100 }).Fit(train);
                var ll = model.LogDensity(test);
                string kl = "n/a";
                if (ToyDensities2D.HasTrueLogDensity(toy))
                {
                    double sum = 0;
                    for (int i = 0; i < test.Rows; i++)
                    {
                        sum += ToyDensities2D.TrueLogDensity(toy, test.Features[2 * i], test.Features[(2 * i) + 1]) - ll[i];
                    }

                    kl = (sum / test.Rows).ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
                }

                Console.WriteLine($"{toy,-16} {k,3} {ll.Average(),9:F3} {kl,16}");
                new MixtureDensityFlowReport(model, test) { Title = $"{toy}, K = {k}" }.Save(Path.Combine(output, $"{toy}-k{k}.html"));
            }
        }

        Console.WriteLine($"reports in {Path.GetFullPath(output)}");
        return 0;
    }
}
