using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Quick console modes for the mixture-of-experts classifier (not BenchmarkDotNet):
/// <c>moe-quality</c> trains on digits / satellite / letter (validation carved from the training split) and reports
/// test accuracy, macro-F1 and expert utilisation per objective plus a K = 1 control, next to the validation
/// accuracy and log-loss of the kept epoch (the figures a selection may look at; test is only reported);
/// <c>--runs=defaults</c> trains with the library's options untouched, <c>--seeds=1,2,3,4,5</c> repeats each run per seed
/// and prints the mean, spread and fit time, and <c>--datasets</c> names any data/&lt;name&gt;_train.csv(.gz) /
/// _test.csv(.gz) pair;
/// <c>moe-speed</c> measures training samples/s and inference rows/s (soft and top-1) on letter, with the measuring
/// code shared with <c>mlmix bench moe</c> (<see cref="MixtureOfExpertsThroughputBenchmark"/>).
/// </summary>
public static class MixtureOfExpertsRuns
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the mode named by <paramref name="args"/>[0]; false if it names none of these.</summary>
    public static bool TryRun(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            return false;
        }

        var flags = ParseFlags(args.Skip(1));
        switch (args[0])
        {
            case "moe-quality":
                Quality(flags);
                return true;
            case "moe-sweep":
                MixtureOfExpertsSweep.Run(flags);
                return true;
            case "moe-speed":
                Speed(flags);
                return true;
            case "moe-profile":
                MixtureOfExpertsStepProfile.Run(flags);
                return true;
            default:
                return false;
        }
    }

    private static void Quality(Dictionary<string, string> flags)
    {
        string root = RepositoryRoot();
        var datasets = Get(flags, "datasets", "digits,satellite,letter").Split(',');
        var runs = Get(flags, "runs", "marginal,gumbel,straight,k1").Split(',');
        // --seeds=1,2,3,4,5 repeats every run once per seed and adds a summary row; without it, --seed (default 1).
        var seeds = flags.TryGetValue("seeds", out string? seedList)
            ? seedList.Split(',').Select(s => ulong.Parse(s, Inv)).ToArray()
            : [Options(flags).Seed];
        bool verbose = flags.ContainsKey("verbose");
        Console.WriteLine($"# moe-quality  {DateTime.UtcNow:u}  load: {Load()}  cores: {Environment.ProcessorCount}");
        Console.WriteLine("dataset    run        seed  val-acc  val-loss  test-acc  top1-acc  macro-F1  log-loss  used  shares%                           epochs(best)  seconds");
        var summaries = new List<string>();
        foreach (string dataset in datasets)
        {
            var train = CsvFeatureReader.Read(DataFile(root, dataset, "train"), label: "label");
            var test = CsvFeatureReader.Read(DataFile(root, dataset, "test"), label: "label");
            foreach (string run in runs)
            {
                var accuracies = new List<double>();
                var macroF1s = new List<double>();
                var times = new List<double>();
                foreach (ulong seed in seeds)
                {
                    var options = Options(flags);
                    ApplyRun(options, run);
                    options.Seed = seed;

                    var clock = Stopwatch.StartNew();
                    var progress = verbose ? new SynchronousProgress(p => Console.WriteLine("    " + MixtureOfExpertsStatistics.Describe(p))) : null;
                    var model = MixtureOfExpertsModel.Fit(train, options, progress: progress);
                    double seconds = clock.Elapsed.TotalSeconds;
                    var soft = model.Evaluate(test);
                    var top1 = model.WithTopK(1).Evaluate(test);
                    var training = model.Training!;
                    string shares = string.Join(" ", soft.ExpertShares.Select(s => (100 * s).ToString("F0", Inv)));
                    var (validationAccuracy, validationLogLoss) = BestValidation(training);
                    accuracies.Add(soft.Accuracy);
                    macroF1s.Add(soft.MacroF1);
                    times.Add(seconds);
                    Console.WriteLine(string.Create(Inv, $"{dataset,-10} {run,-10} {seed,4} {validationAccuracy,7:F4}  {validationLogLoss,8:F4}  {soft.Accuracy,8:F4}  {top1.Accuracy,8:F4}  {soft.MacroF1,8:F4}  {soft.LogLoss,8:F4}  {options.Architecture.Experts - soft.UnusedExperts}/{options.Architecture.Experts,-3} {shares,-33} {training.EpochsRun,4}({training.BestEpoch,3})   {seconds,7:F1}   load {Load()}"));
                }

                summaries.Add(Summary(dataset, run, train, test, accuracies, macroF1s, times));
            }
        }

        if (seeds.Length > 1)
        {
            Console.WriteLine();
            Console.WriteLine("dataset    run        train x features / test   seeds  test-acc mean      sd     min     max  macro-F1 mean  fit seconds mean (min-max)");
            foreach (string line in summaries)
            {
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// One summary row: the mean test accuracy over the seeds, its sample standard deviation and range, the mean
    /// macro-F1 (which shows rare classes missed when accuracy cannot), and the fit time.
    /// </summary>
    private static string Summary(string dataset, string run, FeatureTable train, FeatureTable test, List<double> accuracies, List<double> macroF1s, List<double> times)
    {
        double mean = accuracies.Average();
        double sd = accuracies.Count > 1 ? Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Count - 1)) : 0;
        string shape = $"{train.Rows} x {train.Columns} / {test.Rows}";
        return string.Create(Inv, $"{dataset,-10} {run,-10} {shape,-24} {accuracies.Count,6}  {mean,13:F4}  {sd,6:F4}  {accuracies.Min(),6:F4}  {accuracies.Max(),6:F4}  {macroF1s.Average(),13:F4}  {times.Average(),16:F1} ({times.Min():F1}-{times.Max():F1})");
    }

    /// <summary>data/&lt;name&gt;_&lt;split&gt;.csv, or the gzipped .csv.gz when only that exists.</summary>
    internal static string DataFile(string root, string dataset, string split)
    {
        string plain = Path.Combine(root, "data", $"{dataset}_{split}.csv");
        return File.Exists(plain) || !File.Exists(plain + ".gz") ? plain : plain + ".gz";
    }

    /// <summary>
    /// The validation accuracy and log-loss of the kept parameters (the epoch <see cref="TrainingResult.BestEpoch"/>
    /// that early stopping chose on the validation split carved from the training file); NaN without validation.
    /// </summary>
    internal static (double Accuracy, double LogLoss) BestValidation(TrainingResult training)
    {
        if (training.BestEpoch < 1 || training.BestEpoch > training.History.Count)
        {
            return (double.NaN, double.NaN);
        }

        var statistics = training.History[training.BestEpoch - 1].Statistics;
        return (
            statistics.TryGetValue(MixtureOfExpertsStatistics.ValidationAccuracy, out double accuracy) ? accuracy : double.NaN,
            statistics.TryGetValue(MixtureOfExpertsStatistics.ValidationLogLoss, out double logLoss) ? logLoss : double.NaN);
    }

    /// <summary>Sets the objective (and K = 1 for <c>k1</c>) that a run name stands for.</summary>
    internal static void ApplyRun(MixtureOfExpertsModelOptions options, string run)
    {
        switch (run)
        {
            case "marginal":
                options.Loss.Objective = GateObjective.Marginal;
                break;
            case "gumbel":
                options.Loss.Objective = GateObjective.GumbelSoftmax;
                break;
            case "straight":
                options.Loss.Objective = GateObjective.StraightThrough;
                break;
            case "k1":
                options.Loss.Objective = GateObjective.Marginal;
                options.Architecture.Experts = 1;
                break;
            case "defaults":
                break; // the options exactly as the flags left them: with no flags, the library's defaults
            default:
                throw new ArgumentException($"Unknown run '{run}': use defaults, marginal, gumbel, straight, k1.");
        }
    }

    private static void Speed(Dictionary<string, string> flags)
    {
        string data = Path.Combine(RepositoryRoot(), "data");
        int epochs = int.Parse(Get(flags, "epochs", "3"), Inv);
        int repeats = int.Parse(Get(flags, "repeats", "20"), Inv);
        // Inference: one call over the whole standardised test set per timing, the median of the repeats.
        // A second of warm-up first, so the timed calls run fully optimised (tier-1) code.
        var plan = new MeasurementPlan { SecondsPerRound = 0, Rounds = repeats, WarmupCalls = 1, WarmupSeconds = 1, MinimumCallsPerRound = 1 };
        bool wide = flags.ContainsKey("wide");
        string shape = wide
            ? $"wide synthetic D={MixtureOfExpertsThroughputBenchmark.WideInputs} C={MixtureOfExpertsThroughputBenchmark.WideClasses} ({MixtureOfExpertsThroughputBenchmark.WideRows:N0} rows), K=8 experts, hidden {MixtureOfExpertsThroughputBenchmark.WideHidden}"
            : "letter D=16 C=26, K=8 experts, hidden 64";
        Console.WriteLine($"# moe-speed  {shape}, batch 256, marginal  {DateTime.UtcNow:u}  cores: {Environment.ProcessorCount}");
        Console.WriteLine($"# {MachineDescription.PeakSummary}");
        foreach (int threads in Get(flags, "threads", "1,2").Split(',').Select(t => int.Parse(t, Inv)))
        {
            var bench = wide
                ? MixtureOfExpertsThroughputBenchmark.TrainOnWideSynthetic(threads, minimumEpochs: epochs, seconds: 0)
                : MixtureOfExpertsThroughputBenchmark.TrainOnLetter(data, threads, minimumEpochs: epochs, seconds: 0);
            double trainRate = bench.TrainingSamplesPerSecond!.Value;
            double gflops = bench.TrainingGflops!.Value;
            double peak = MachineDescription.PercentOfPeak(gflops, threads);
            double soft = bench.MeasureSoft(Math.Min(bench.PoolRows, 4096), threads, plan).Median;
            double top1 = bench.MeasureTopOne(Math.Min(bench.PoolRows, 4096), threads, plan).Median;
            double cpuRate = bench.TrainingSamplesPerCpuSecond!.Value;
            Console.WriteLine(string.Create(Inv, $"threads {threads}: training {trainRate,9:N0} samples/s {gflops,6:F1} GFLOP/s ({peak:F0}% of peak), {cpuRate,9:N0} per CPU-second (median of epochs 2..{epochs})  inference soft {soft,10:N0} rows/s  top-1 {top1,10:N0} rows/s  top-1/soft {top1 / soft:F2}x  load {Load()}"));
        }
    }

    internal static MixtureOfExpertsModelOptions Options(Dictionary<string, string> flags)
    {
        var o = new MixtureOfExpertsModelOptions();
        if (flags.TryGetValue("experts", out string? v))
        {
            o.Architecture.Experts = int.Parse(v, Inv);
        }

        if (flags.TryGetValue("hidden", out v))
        {
            o.Architecture.ExpertHiddenSizes = Sizes(v);
        }

        if (flags.TryGetValue("gate-hidden", out v))
        {
            o.Architecture.GateHiddenSizes = Sizes(v);
        }

        if (flags.TryGetValue("epochs", out v))
        {
            o.Optimization.Epochs = int.Parse(v, Inv);
        }

        if (flags.TryGetValue("max-visits", out v))
        {
            o.Optimization.MaxRowVisits = long.Parse(v, Inv);
        }

        if (flags.TryGetValue("ema", out v))
        {
            o.Optimization.ParameterAveragingDecay = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("batch", out v))
        {
            o.Optimization.BatchSize = int.Parse(v, Inv);
        }

        if (flags.TryGetValue("lr", out v))
        {
            o.Optimization.LearningRate = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("wd", out v))
        {
            o.Optimization.WeightDecay = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("patience", out v))
        {
            o.Validation.EarlyStoppingPatience = int.Parse(v, Inv);
        }

        if (flags.TryGetValue("val", out v))
        {
            o.Validation.ValidationFraction = double.Parse(v, Inv);
        }

        if (flags.TryGetValue("lb", out v))
        {
            o.Loss.LoadBalancingWeight = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("entropy", out v))
        {
            o.Loss.GateEntropyWeight = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("metric", out v))
        {
            o.ValidationMetric = Enum.Parse<MixtureOfExpertsValidationMetric>(v, ignoreCase: true);
        }

        if (flags.TryGetValue("act", out v))
        {
            o.Architecture.Activation = Enum.Parse<Activation>(v, ignoreCase: true);
        }

        if (flags.TryGetValue("schedule", out v))
        {
            o.Optimization.LearningRateSchedule = Enum.Parse<LearningRateScheduleKind>(v, ignoreCase: true);
        }

        if (flags.TryGetValue("tau0", out v))
        {
            o.Temperature.InitialTemperature = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("tau-min", out v))
        {
            o.Temperature.FinalTemperature = float.Parse(v, Inv);
        }

        if (flags.TryGetValue("threads", out v))
        {
            o.Threads = int.Parse(v, Inv);
        }

        if (flags.TryGetValue("seed", out v))
        {
            o.Seed = ulong.Parse(v, Inv);
        }

        return o;
    }

    private static int[] Sizes(string v) => v.Length == 0 || v == "none" ? [] : v.Split('x').Select(s => int.Parse(s, Inv)).ToArray();

    private static Dictionary<string, string> ParseFlags(IEnumerable<string> args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string arg in args)
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Expected --name=value flags; got '{arg}'.");
            }

            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            flags[eq < 0 ? arg[2..] : arg[2..eq]] = eq < 0 ? "true" : arg[(eq + 1)..];
        }

        return flags;
    }

    internal static string Get(Dictionary<string, string> flags, string key, string fallback) => flags.TryGetValue(key, out string? v) ? v : fallback;

    internal static string Load()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("MLNetMixture.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
