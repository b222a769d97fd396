using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>flow-speed [seconds-per-repeat] [repeats]</c>: the back-to-back counterpart of
/// benchmarks/reference/flow_torch.py. The same affine-coupling flow (D = 43, 8 RealNVP layers with 21-128-128-44
/// ReLU conditioners, soft-clamped log-scales, reversed order between layers, standard-normal base, no
/// standardiser): training samples/s of zero-grad + forward log-density + backward + Adam(lr 1e-3) on one fixed
/// batch of 512 rows, and log-density rows/s of <see cref="MixtureDensityFlowInference"/> over 65,536 rows in
/// batches of 4,096, at one and two threads.
/// </summary>
internal static class FlowSpeedBenchmark
{
    private const int Dimension = 43;
    private const int Batch = 512;
    private const int ScoreRows = 65536;

    public static void Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"uptime: {FlowQualityBenchmark.Uptime()}");
        Console.WriteLine($"MLNetMixture affine-coupling flow, D={Dimension}, 8 layers, conditioner 21-128-128-44 ReLU, batch {Batch}, Adam(lr=1e-3)");
        foreach (int threads in new[] { 1, 2 })
        {
            var architecture = new MixtureDensityFlowArchitecture
            {
                Dimension = Dimension,
                FlowType = FlowType.AffineCoupling,
                Layers = 8,
                HiddenSizes = [128, 128],
                Activation = Activation.Relu,
                Standardize = false,
                Components = 1,
            };
            var model = architecture.Build(new RandomSource(1));
            var random = new RandomSource(2);
            var batch = new Tensor(Batch, Dimension);
            random.FillNormal(batch.Span);
            var tape = new Tape(threads);
            var optimizer = new Adam(model.Parameters, learningRate: 1e-3f);
            void Step()
            {
                tape.Reset();
                optimizer.ZeroGrad();
                var loss = tape.Negate(tape.MeanAll(model.LogDensity(tape, tape.Constant(batch))));
                tape.Backward(loss);
                optimizer.Step();
            }

            for (int i = 0; i < 50; i++)
            {
                Step();
            }

            var rates = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                int steps = 0;
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    Step();
                    steps++;
                }

                rates.Add(steps * Batch / clock.Elapsed.TotalSeconds);
            }

            var inference = new MixtureDensityFlowInference(model, threads, batchSize: 4096);
            var rows = new float[ScoreRows * Dimension];
            random.FillNormal(rows);
            var logDensity = new float[ScoreRows];
            inference.LogDensity(rows, logDensity);
            var scoreRates = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                inference.LogDensity(rows, logDensity);
                scoreRates.Add(ScoreRows / clock.Elapsed.TotalSeconds);
            }

            rates.Sort();
            scoreRates.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threads={threads}: training samples/s best {rates[^1]:F0}, median {rates[rates.Count / 2]:F0}; " +
                $"log-density rows/s best {scoreRates[^1]:F0}, median {scoreRates[scoreRates.Count / 2]:F0}"));
        }
    }
}
