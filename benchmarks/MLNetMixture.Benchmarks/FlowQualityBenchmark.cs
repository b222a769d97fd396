using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>flow-quality</c>: density-estimation quality of <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>.
/// <list type="bullet">
/// <item><c>flow-quality toy [eightgaussians|checkerboard] [options]</c>: fit on 20,000 draws (10% held out for
/// early stopping), then KL(true ‖ model) = mean over 20,000 fresh draws of log p_true - log p_model, with ± 2 s.e.</item>
/// <item><c>flow-quality miniboone [options]</c>: data/miniboone_val.csv.gz, the first 2,955 rows train and the last 329
/// validate (no other held-out data; <c>--val-start N</c> validates on rows [N, N + 329) instead and trains on the rest); mean validation log-likelihood per point in the file's standardised space
/// (Standardize=false, so no Jacobian), ± 2 s.e., median and worst point.</item>
/// </list>
/// Options (each <c>--name value</c>): flow (affine|spline|maf|sas|sas-maf, sas = sinh-arcsinh; also accepted as type, its earlier name), layers, hidden (e.g. 64,64), components (K, or a
/// comma list to sweep), base-init (kmeansshrunk|kmeans|standardnormal), epochs, batch, lr, wd, patience, bins, bound, scale-bound, permutation (reverse|random),
/// lu (true|false), actnorm (true|false), activation, seed, threads, rows (toy training rows), standardize;
/// anything not given takes the <see cref="MixtureDensityFlowOptions"/> default. Set FLOW_QUIET=1 to hide the
/// per-epoch lines. Examples: <c>flow-quality toy --components 8,1</c>;
/// <c>flow-quality miniboone --batch 64 --patience 30 --hidden 32,32 --flow affine --components 1,4,8,16</c>.
/// </summary>
internal static class FlowQualityBenchmark
{
    public static void Run(string[] args)
    {
        string what = args.Length > 0 ? args[0] : "all";
        var options = ParseOptions(args.Skip(1).ToArray(), out var named);
        Console.WriteLine($"uptime: {Uptime()}");
        switch (what)
        {
            case "toy":
            {
                var shapes = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal)
                    ? [Enum.Parse<ToyDensity2D>(args[1], ignoreCase: true)]
                    : new[] { ToyDensity2D.EightGaussians, ToyDensity2D.Checkerboard };
                foreach (var shape in shapes)
                {
                    foreach (int k in ComponentList(named))
                    {
                        Toy(shape, Configure(options, named, k), Int(named, "rows", 20000));
                    }
                }

                break;
            }

            case "miniboone":
                named.TryAdd("standardize", "false"); // the file is standardised already; report in its space
                foreach (int k in ComponentList(named))
                {
                    MiniBoone(Configure(options, named, k), Int(named, "val-start", MiniBooneTrainRows));
                }

                break;
            default:
                throw new ArgumentException($"Unknown flow-quality target '{what}': use toy or miniboone.");
        }
    }

    private static void Toy(ToyDensity2D shape, MixtureDensityFlowOptions options, int rows)
    {
        var train = new FeatureTable(ToyDensities2D.Sample(shape, rows, 11), rows, ["x", "y"], null, $"{shape} train");
        var clock = Stopwatch.StartNew();
        var model = MixtureDensityFlowModel.Fit(train, options, progress: Progress(options));
        double seconds = clock.Elapsed.TotalSeconds;
        const int testRows = 20000;
        var test = ToyDensities2D.Sample(shape, testRows, 12);
        var logModel = model.LogDensity(new FeatureTable(test, testRows, ["x", "y"]));
        var gaps = new double[testRows];
        for (int i = 0; i < testRows; i++)
        {
            gaps[i] = ToyDensities2D.TrueLogDensity(shape, test[2 * i], test[(2 * i) + 1]) - logModel[i];
        }

        var (mean, se) = MeanAndStandardError(gaps);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shape,-15} {Describe(options, 2)}: KL(true||model) = {mean:F4} ± {2 * se:F4} nats (2 s.e., {testRows} test draws); " +
            $"train {seconds:F1} s, {model.Training!.EpochsRun} epochs, best {model.Training.BestEpoch}{Chosen(model)}"));
    }

    /// <summary>The README protocol: the first 2,955 rows of miniboone_val.csv.gz train, the last 329 validate.</summary>
    private const int MiniBooneTrainRows = 2955;

    private static void MiniBoone(MixtureDensityFlowOptions options, int validationStart)
    {
        string path = FindData("miniboone_val.csv.gz");
        var all = CsvFeatureReader.Read(path);
        int validationRows = all.Rows - MiniBooneTrainRows;
        if (validationStart < 0 || validationStart + validationRows > all.Rows)
        {
            throw new ArgumentException($"--val-start {validationStart}: the {validationRows}-row validation block must lie within the {all.Rows} rows.");
        }

        // The validation block is rows [start, start + 329); every other row trains (2,955 rows whatever the block).
        var validation = all.Slice(validationStart, validationRows);
        var train = all.Select([.. Enumerable.Range(0, all.Rows).Where(i => i < validationStart || i >= validationStart + validationRows)], $"{all.Source} (training rows)");
        var clock = Stopwatch.StartNew();
        var model = MixtureDensityFlowModel.Fit(train, options, validation, Progress(options));
        double seconds = clock.Elapsed.TotalSeconds;
        var logp = model.StandardizedLogDensity(validation).Select(v => (double)v).ToArray();
        const int sampleRows = 2000;
        var sampling = Stopwatch.StartNew();
        model.Sample(sampleRows, seed: 1);
        double sampleRate = sampleRows / sampling.Elapsed.TotalSeconds;
        var (mean, se) = MeanAndStandardError(logp);
        Array.Sort(logp);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MINIBOONE {Describe(options, model.Dimension)} val-start={validationStart}: validation LL {mean:F2} ± {2 * se:F2} (2 s.e., {logp.Length} rows), median {logp[logp.Length / 2]:F2}, worst {logp[0]:F2}; " +
            $"train {seconds:F1} s, {model.Training!.EpochsRun} epochs, best {model.Training.BestEpoch}{Chosen(model)}; sampling {sampleRate:F0} rows/s"));
    }

    /// <summary>The base start a chosen-by-validation fit kept, or nothing.</summary>
    private static string Chosen(MixtureDensityFlowModel model) =>
        model.Settings?.Architecture.BaseInitialization == MixtureBaseInitialization.ChosenByValidation && model.Architecture.Components > 1
            ? $", kept start {model.Architecture.BaseInitialization}"
            : string.Empty;

    private static IProgress<TrainingProgress>? Progress(MixtureDensityFlowOptions options) =>
        Environment.GetEnvironmentVariable("FLOW_QUIET") == "1" ? null : new SynchronousProgress(p =>
        {
            if (p.Epoch % 10 == 0 || p.Epoch == 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {p.Epoch}/{p.Epochs}: train LL {-p.TrainingLoss:F3}, validation LL {p.Validation:F3} (best {p.BestValidation:F3}), {p.SamplesPerSecond:F0} samples/s"));
            }
        });

    private static string Describe(MixtureDensityFlowOptions o, int dimension) => string.Create(CultureInfo.InvariantCulture,
        $"{o.Architecture.FlowTypeFor(dimension)}{(o.Architecture.FlowType == FlowType.Automatic ? " (automatic)" : string.Empty)} L={o.Architecture.Layers} H=[{string.Join(",", o.Architecture.HiddenSizes)}] K={o.Architecture.Components}{(o.Architecture.Components > 1 ? $" base={o.Architecture.BaseInitialization}" : string.Empty)}{(o.Architecture.FlowTypeFor(dimension) == FlowType.SplineCoupling ? $" bins={o.Architecture.SplineBins} B={o.Architecture.SplineBound}" : string.Empty)} " +
        $"perm={o.Architecture.Permutation}{(o.Architecture.LuLinear ? " +LU" : string.Empty)}{(o.Architecture.ActNorm ? " +ActNorm" : string.Empty)} act={o.Architecture.Activation} lr={o.Optimization.LearningRate} wd={o.Optimization.WeightDecay} batch={o.Optimization.BatchSize} epochs={o.Optimization.Epochs} patience={o.Validation.EarlyStoppingPatience} std={o.Architecture.Standardize}");

    private static MixtureDensityFlowOptions ParseOptions(string[] args, out Dictionary<string, string> named)
    {
        named = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                named[args[i][2..]] = args[++i];
            }
        }

        return new MixtureDensityFlowOptions();
    }

    private static MixtureDensityFlowOptions Configure(MixtureDensityFlowOptions defaults, Dictionary<string, string> named, int components)
    {
        string Get(string key, string fallback) => named.TryGetValue(key, out var v) ? v : fallback;
        var inv = CultureInfo.InvariantCulture;
        var a = defaults.Architecture;
        var o = defaults.Optimization;
        return new MixtureDensityFlowOptions
        {
            Architecture =
            {
                // --flow, as in mlmix flow fit; --type is its earlier name
                FlowType = named.TryGetValue("flow", out var flow) || named.TryGetValue("type", out flow) ? ParseFlow(flow) : a.FlowType,
                Layers = int.Parse(Get("layers", a.Layers.ToString(inv)), inv),
                HiddenSizes = Get("hidden", string.Join(",", a.HiddenSizes)).Split(',').Select(s => int.Parse(s, inv)).ToArray(),
                Components = components,
                BaseInitialization = Enum.Parse<MixtureBaseInitialization>(Get("base-init", a.BaseInitialization.ToString()), ignoreCase: true),
                SplineBins = int.Parse(Get("bins", a.SplineBins.ToString(inv)), inv),
                SplineBound = float.Parse(Get("bound", a.SplineBound.ToString(inv)), inv),
                ScaleBound = float.Parse(Get("scale-bound", a.ScaleBound.ToString(inv)), inv),
                Permutation = Enum.Parse<FlowPermutationKind>(Get("permutation", a.Permutation.ToString()), ignoreCase: true),
                LuLinear = bool.Parse(Get("lu", a.LuLinear.ToString())),
                ActNorm = bool.Parse(Get("actnorm", a.ActNorm.ToString())),
                Activation = Enum.Parse<Activation>(Get("activation", a.Activation.ToString()), ignoreCase: true),
                Standardize = bool.Parse(Get("standardize", a.Standardize.ToString())),
            },
            Optimization =
            {
                Epochs = int.Parse(Get("epochs", o.Epochs.ToString(inv)), inv),
                BatchSize = int.Parse(Get("batch", o.BatchSize.ToString(inv)), inv),
                LearningRate = float.Parse(Get("lr", o.LearningRate.ToString(inv)), inv),
                WeightDecay = float.Parse(Get("wd", o.WeightDecay.ToString(inv)), inv),
            },
            Validation = { EarlyStoppingPatience = int.Parse(Get("patience", defaults.Validation.EarlyStoppingPatience.ToString(inv)), inv) },
            Seed = ulong.Parse(Get("seed", "1"), inv),
            Threads = int.Parse(Get("threads", "0"), inv),
        };
    }

    private static FlowType ParseFlow(string name) => name.ToLowerInvariant() switch
    {
        "affine" => FlowType.AffineCoupling,
        "spline" => FlowType.SplineCoupling,
        "maf" => FlowType.MaskedAutoregressive,
        "sas" => FlowType.SinhArcsinhCoupling,
        "sas-maf" => FlowType.SinhArcsinhAutoregressive,
        "auto" => FlowType.Automatic,
        _ => throw new ArgumentException($"Unknown flow '{name}': use auto, affine, spline, maf, sas or sas-maf."),
    };

    private static IEnumerable<int> ComponentList(Dictionary<string, string> named) =>
        (named.TryGetValue("components", out var v) ? v : "1").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));

    private static int Int(Dictionary<string, string> named, string key, int fallback) =>
        named.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static (double Mean, double StandardError) MeanAndStandardError(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance / values.Length));
    }

    internal static string FindData(string name)
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"data/{name} not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}.");
    }

    internal static string Uptime()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim() + $" (load averages 1/5/15 min, {Environment.ProcessorCount} cores)";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and interleave output).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
