using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>flow-speed [seconds-per-repeat] [repeats]</c>: the back-to-back counterpart of
/// benchmarks/reference/flow_torch.py. The same affine-coupling flow (D = 43, 8 RealNVP layers with 21-128-128-44
/// ReLU conditioners, soft-clamped log-scales, reversed order between layers, standard-normal base, no
/// standardiser; <see cref="FlowThroughputBenchmark.ReferenceArchitecture"/>): training samples/s of zero-grad +
/// forward log-density + backward + Adam(lr 1e-3) on one fixed batch of 512 rows (after 50 warm-up steps), and
/// log-density rows/s of <see cref="MLNetMixture.Training.Flows.MixtureDensityFlowInference"/> over 65,536 rows per
/// call, cut into its default batches (<see cref="MLNetMixture.Training.Flows.MixtureDensityFlowInference.DefaultBatchSize"/>,
/// 512 rows), at one and two threads. The PyTorch reference scores the same 65,536 rows in 4,096-row chunks; it was
/// not faster with smaller chunks here (medians, 1 / 2 threads: 512 rows 104,666 / 85,103; 1,024 rows 104,789 /
/// 132,855; 4,096 rows 121,216 / 119,814 rows/s). The measuring code is shared with <c>mlmix bench flow</c>.
/// </summary>
internal static class FlowSpeedBenchmark
{
    private const int Batch = 512;
    private const int ScoreBatch = MLNetMixture.Training.Flows.MixtureDensityFlowInference.DefaultBatchSize;
    private const int ScoreBatchesPerCall = 65536 / ScoreBatch;

    public static void Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"uptime: {FlowQualityBenchmark.Uptime()}");
        Console.WriteLine($"# {MachineDescription.PeakSummary}");
        Console.WriteLine($"MLNetMixture affine-coupling flow, D={FlowThroughputBenchmark.ReferenceArchitecture.Dimension}, 8 layers, conditioner 21-128-128-44 ReLU, batch {Batch} (cut into {DataParallelGradient.PartsFor(Batch, DataParallelGradient.DefaultRowsPerPart)} parts), Adam(lr=1e-3)");
        var trainingPlan = new MeasurementPlan { SecondsPerRound = seconds, Rounds = repeats, WarmupCalls = 50, WarmupSeconds = 0, MinimumCallsPerRound = 1 };
        var scoringPlan = new MeasurementPlan { SecondsPerRound = 0, Rounds = repeats, WarmupCalls = 1, WarmupSeconds = 0, MinimumCallsPerRound = 1 };
        foreach (int threads in new[] { 1, 2 })
        {
            var bench = new FlowThroughputBenchmark(FlowThroughputBenchmark.ReferenceArchitecture);
            var training = bench.MeasureTraining(threads, Batch, trainingPlan);
            var scoring = bench.MeasureLogDensity(ScoreBatch, threads, scoringPlan, batchesPerCall: ScoreBatchesPerCall);
            double trainingGflops = training.Median * bench.TrainingFlopsPerSample / 1e9, scoringGflops = scoring.Median * bench.LogDensityFlopsPerRow / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threads={threads}: training samples/s best {training.Best:F0}, median {training.Median:F0} ({trainingGflops:F1} GFLOP/s, {MachineDescription.PercentOfPeak(trainingGflops, threads):F0}% of peak); " +
                $"log-density rows/s best {scoring.Best:F0}, median {scoring.Median:F0} ({scoringGflops:F1} GFLOP/s, {MachineDescription.PercentOfPeak(scoringGflops, threads):F0}% of peak)  load {MixtureOfExpertsRuns.Load()}"));
        }
    }
}
