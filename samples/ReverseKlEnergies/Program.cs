using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;

namespace MLNetMixture.Samples.ReverseKlEnergies;

/// <summary>
/// Fits mixture-base flows to the Rezende and Mohamed (2015) energies U1-U4 by reverse KL, the mixture component
/// drawn through the Gumbel-softmax relaxation, and compares the ELBO and an importance-sampled log Z with log Z
/// from integration on a fine grid: `dotnet run --project samples/ReverseKlEnergies -- [--quick]`.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        var energies = quick ? new[] { RezendeMohamedEnergy.U1 } : Enum.GetValues<RezendeMohamedEnergy>();
        Console.WriteLine($"{"energy",-7} {"grid log Z",11} {"ELBO",9} {"IS log Z",9} {"ESS frac",9}");
        foreach (var energy in energies)
        {
            var target = new RezendeMohamedDensity(energy);
            double logZ = PlanarGridIntegration.LogNormalizer(target, -6, 6, quick ? 401 : 1001);
            var result = ReverseKlFitting.FitToTarget(target, new ReverseKlOptions
            {
                // 20 evaluations of 100 steps of 256 draws; quick: 30 evaluations of one step of 64 draws.
                Optimization = { Epochs = quick ? 30 : 20, BatchSize = quick ? 64 : 256 },
                EvaluationInterval = quick ? 1 : 100,
                InitialOutputScale = 2f,
                FinalEvaluationSamples = quick ? 512 : 8192,
                Seed = 7,
            });
            var d = result.Diagnostics;
            Console.WriteLine($"{energy,-7} {logZ,11:F4} {d.Elbo,9:F4} {d.LogNormalizer,9:F4} {d.EffectiveSampleFraction,9:F3}");
        }

        return 0;
    }
}
