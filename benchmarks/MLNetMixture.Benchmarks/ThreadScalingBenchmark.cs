using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>thread-scaling [letter|letter-defaults|wide|flow] [rounds] [seconds-per-round] [rows-per-part]</c>: training steps as
/// <see cref="MinibatchTrainer"/> takes them (the batch's parts through <see cref="DataParallelGradient.Compute"/>,
/// AdamW by slices on the same threads) with 1 and with 2 threads, alternating in short
/// rounds (1, 2, 1, 2, ...) so both see the same machine; prints each count's best and median samples/s and the
/// ratio of the bests, which on a shared machine are the rounds least disturbed by other processes. The MoE shapes
/// are moe-speed's (batch 256, marginal objective), the flow flow-speed's (batch 512); <c>letter-defaults</c> is the
/// library's default MoE on letter (batch 128, hidden 128, load balancing 0.01). Rows per part default to
/// <see cref="DataParallelGradient.DefaultRowsPerPart"/>.
/// </summary>
internal static class ThreadScalingBenchmark
{
    public static void Run(string[] args)
    {
        string model = args.Length > 0 ? args[0] : "letter";
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        double seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.3;
        int rowsPerPart = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : DataParallelGradient.DefaultRowsPerPart;
        var (parameters, batch, partLoss) = model switch
        {
            "flow" => Flow(),
            "wide" => Experts(wide: true, defaults: false),
            "letter-defaults" => Experts(wide: false, defaults: true),
            _ => Experts(wide: false, defaults: false),
        };
        var optimizer = new AdamW(parameters, 1e-3f);
        var gradients = new[] { new DataParallelGradient(parameters, batch, threads: 1, rowsPerPart), new DataParallelGradient(parameters, batch, threads: 2, rowsPerPart) };
        Console.WriteLine($"# thread-scaling {model}: batch {batch} in {gradients[1].Parts} parts, {rounds} rounds of {seconds} s per thread count  load {MixtureOfExpertsRuns.Load()}");
        Console.WriteLine($"# {MachineDescription.PeakSummary}");
        var rates = new[] { new List<double>(), new List<double>() };
        long allocated = GC.GetTotalAllocatedBytes(precise: true), collections = GC.CollectionCount(0), totalSteps = 0;
        for (int round = -1; round < rounds; round++)
        {
            for (int t = 0; t < 2; t++)
            {
                long steps = 0;
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    gradients[t].Compute(partLoss);
                    optimizer.StepBySlices(gradients[t].RunOnWorkers);
                    steps++;
                }

                totalSteps += steps;

                if (round >= 0)
                {
                    rates[t].Add(steps * batch / clock.Elapsed.TotalSeconds);
                }
            }
        }

        foreach (var g in gradients)
        {
            g.Dispose();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)totalSteps:N0} bytes per step, {GC.CollectionCount(0) - collections} gen-0 collections in {totalSteps:N0} steps"));

        double Best(int t) => rates[t].Max();
        double Median(int t) => rates[t].Order().ElementAt(rates[t].Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  1 thread : best {Best(0),10:N0}  median {Median(0),10:N0} samples/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  2 threads: best {Best(1),10:N0}  median {Median(1),10:N0} samples/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  2 / 1 threads: {Best(1) / Best(0):F2}x (bests), {Median(1) / Median(0):F2}x (medians)  load {MixtureOfExpertsRuns.Load()}"));
    }

    private static (IReadOnlyList<Parameter> Parameters, int Batch, BatchPartLossFunction PartLoss) Experts(bool wide, bool defaults)
    {
        var libraryDefaults = new MixtureOfExpertsModelOptions();
        int batch = defaults ? libraryDefaults.Optimization.BatchSize : MixtureOfExpertsThroughputBenchmark.TrainingBatchSize;
        Tensor features;
        int[] labels;
        int d, c, hidden;
        if (wide)
        {
            var (values, y) = MixtureOfExpertsThroughputBenchmark.WideSynthetic();
            (d, c, hidden) = (MixtureOfExpertsThroughputBenchmark.WideInputs, MixtureOfExpertsThroughputBenchmark.WideClasses, MixtureOfExpertsThroughputBenchmark.WideHidden);
            features = new Tensor(values, y.Length, d);
            labels = y;
        }
        else
        {
            var train = CsvFeatureReader.Read(Path.Combine(MixtureOfExpertsRuns.RepositoryRoot(), "data", "letter_train.csv"), label: "label");
            d = train.Columns;
            var values = (float[])train.Features.Clone();
            var names = train.Labels!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            labels = [.. train.Labels!.Select(l => names.IndexOf(l))];
            var standardizer = new Standardizer("standardizer", d);
            standardizer.Fit(values, labels.Length);
            standardizer.Apply(values);
            features = new Tensor(values, labels.Length, d);
            (c, hidden) = (names.Count, MixtureOfExpertsThroughputBenchmark.ExpertHidden);
        }

        var model = defaults
            ? new MixtureOfExperts(d, c, libraryDefaults.Architecture, 1)
            : new MixtureOfExperts(d, c, new MixtureOfExpertsArchitecture { Experts = MixtureOfExpertsThroughputBenchmark.Experts, ExpertHiddenSizes = [hidden], Activation = Activation.Relu }, 1);
        var objective = new MixtureOfExpertsObjective(model, features, labels, defaults ? libraryDefaults.Loss : new MixtureOfExpertsLossOptions { Objective = GateObjective.Marginal });
        var sampler = new MinibatchSampler(labels.Length, batch, new RandomSource(1), dropLast: true);
        var rows = sampler.Next().ToArray();
        var step = new TrainingStep(0, 0, 1, new RandomSource(2));
        objective.PrepareBatch(rows, step);
        return (model.Parameters, batch, (tape, start, count, part) => objective.BatchPartLoss(tape, rows.AsSpan(start, count), step, part));
    }

    private static (IReadOnlyList<Parameter> Parameters, int Batch, BatchPartLossFunction PartLoss) Flow()
    {
        const int batch = 512;
        var bench = new FlowThroughputBenchmark(FlowThroughputBenchmark.ReferenceArchitecture);
        var data = new Tensor(batch, bench.Architecture.Dimension);
        new RandomSource(2).FillNormal(data.Span);
        var objective = new MaximumLikelihoodFlowObjective(bench.Model, data, threads: 1);
        int[] rows = [.. Enumerable.Range(0, batch)];
        var step = new TrainingStep(0, 0, 1, new RandomSource(3));
        return (bench.Model.Parameters, batch, (tape, start, count, part) => objective.BatchPartLoss(tape, rows.AsSpan(start, count), step, part));
    }
}
