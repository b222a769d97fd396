using System.Diagnostics;
using System.Globalization;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>mlp-step [seconds-per-repeat] [repeats]</c>: samples/s of the MLP training step at one
/// and two threads, as a quick back-to-back counterpart of the PyTorch reference script (same model, batch,
/// loss and optimizer). Prints every repeat and the best and median.
/// </summary>
internal static class MlpStepQuickBenchmark
{
    public static void Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        const int batch = 512;
        Console.WriteLine($"MLNetMixture MLP 43-128-128-43 ReLU, batch {batch}, MSE, Adam(lr=1e-3): forward+backward+step");
        foreach (int threads in new[] { 1, 2 })
        {
            var harness = new MlpTrainingHarness(threads, batch, batch);
            for (int i = 0; i < 50; i++)
            {
                harness.Step();
            }

            var rates = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                int steps = 0;
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    harness.Step();
                    steps++;
                }

                rates.Add(steps * batch / clock.Elapsed.TotalSeconds);
            }

            rates.Sort();

            // The optimizer's share: Adam.Step alone over the same 27,691 parameters.
            const int optimizerSteps = 2000;
            var optimizerClock = Stopwatch.StartNew();
            for (int i = 0; i < optimizerSteps; i++)
            {
                harness.Optimizer.Step();
            }

            double optimizerMicroseconds = optimizerClock.Elapsed.TotalMicroseconds / optimizerSteps;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threads={threads}: samples/s best {rates[^1]:F0}, median {rates[rates.Count / 2]:F0}  (repeats: {string.Join(", ", rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}); " +
                $"step {batch / rates[^1] * 1e3:F2} ms at best, of which Adam update {optimizerMicroseconds:F1} us"));
        }
    }
}
