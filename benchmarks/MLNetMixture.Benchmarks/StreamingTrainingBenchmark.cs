using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>stream-train [rows] [in-memory-rows] [threads] [folder]</c> (defaults 20,000,000, 2,000,000, 2, the
/// system temporary folder): writes a synthetic CSV of <c>rows</c> x 43 features (a two-cluster Gaussian mixture, as
/// <c>mlmix bench stream</c>) in a temporary folder, then (1) trains a small affine-coupling flow for one epoch streaming
/// over the whole file (<see cref="MixtureDensityFlowModel.Fit(IFeatureRowSource, MixtureDensityFlowOptions?, IFeatureRowSource?, IProgress{TrainingProgress}?, CancellationToken)"/>
/// with a <see cref="CsvFileRowSource"/>) and prints the peak RSS and samples/s; (2) trains the same flow in memory
/// (<c>Fit(FeatureTable)</c>) on the first <c>in-memory-rows</c> rows and prints its samples/s and the ratio; (3) scores
/// the whole file through a saved ML.NET pipeline (text loader, flow transformer) loaded with <c>mlContext.LoadBatched</c>
/// and prints the peak RSS and rows/s. The peak RSS (VmHWM) is reset before (1) and (3) where the kernel allows; (3)'s
/// starts from what (2) left resident (the runtime keeps the freed heap), so give <c>in-memory-rows</c> 0 to skip (2)
/// and measure the scorer's own peak. The folder is deleted
/// afterwards. Load averages are printed with every figure (the machine may be shared).
/// </summary>
internal static class StreamingTrainingBenchmark
{
    public static void Run(string[] args)
    {
        long rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 20_000_000;
        int inMemoryRows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000_000;
        int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        string root = args.Length > 3
            ? Directory.CreateDirectory(Path.Combine(args[3], $"mlmix-stream-train-{Guid.NewGuid():N}")).FullName
            : Directory.CreateTempSubdirectory("mlmix-stream-train-").FullName;
        try
        {
            string data = Path.Combine(root, "synthetic.csv");
            Console.WriteLine(Invariant($"stream-train: {rows:N0} rows x {SyntheticMixtureCsv.Features} features, {threads} training threads; {MachineDescription.CpuName}, {MachineDescription.Cores} cores; load average {PeakResidentMemory.LoadAverage()}"));
            var watch = Stopwatch.StartNew();
            SyntheticMixtureCsv.Write(data, rows, CancellationToken.None);
            Console.WriteLine(Invariant($"wrote {new FileInfo(data).Length / 1048576.0:N0} MiB of CSV in {watch.Elapsed.TotalSeconds:F0} s; load average {PeakResidentMemory.LoadAverage()}"));

            // In-memory training right after the streamed run, so that both meet about the same load from other jobs.
            var options = Setting(threads);
            double streamed = Streamed(data, options);
            if (inMemoryRows > 0)
            {
                double inMemory = InMemory(data, inMemoryRows, options);
                Console.WriteLine(Invariant($"streamed / in-memory training samples/s: {streamed / inMemory:P0}"));
            }

            Scored(data, threads);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The small, fast flow all three runs use: 4 affine couplings of one hidden layer of 64, K = 4, one epoch, no validation.</summary>
    private static MixtureDensityFlowOptions Setting(int threads) => new()
    {
        Architecture = { FlowType = FlowType.AffineCoupling, Layers = 4, HiddenSizes = [64], Components = 4 },
        Optimization = { Epochs = 1, BatchSize = 512, ShuffleBufferRows = 262_144 },
        Validation = { ValidationFraction = 0 },
        Seed = 1,
        Threads = threads,
    };

    private static double Streamed(string data, MixtureDensityFlowOptions options)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        bool reset = PeakResidentMemory.TryReset();
        var reports = new List<TrainingProgress>();
        var watch = Stopwatch.StartNew();
        var model = MixtureDensityFlowModel.Fit(new CsvFileRowSource(data), options, progress: new EpochReporter(reports.Add), cancellationToken: CancellationToken.None);
        watch.Stop();
        var epoch = reports[^1];
        Console.WriteLine(Invariant(
            $"streamed training (CSV, shuffle buffer {options.Optimization.ShuffleBufferRows:N0} rows): {epoch.SamplesPerSecond:N0} samples/s over the epoch ({epoch.Elapsed.TotalSeconds:F0} s), {watch.Elapsed.TotalSeconds:F0} s in all with the statistics pass; peak RSS {PeakResidentMemory.Kib() / 1024.0:N0} MiB{(reset ? string.Empty : " (whole process: no reset)")}; train loss {epoch.TrainingLoss:F3}; load average {PeakResidentMemory.LoadAverage()}"));
        GC.KeepAlive(model);
        return epoch.SamplesPerSecond;
    }

    private static void Scored(string data, int threads)
    {
        var ml = new MLContext(seed: 1);
        var loader = ml.Data.CreateTextLoader([new TextLoader.Column("Features", DataKind.Single, 0, SyntheticMixtureCsv.Features - 1)], separatorChar: ',', hasHeader: true);
        var view = loader.Load(data);
        var estimator = ml.Transforms.MixtureDensityFlow(new MixtureDensityFlowEstimator.Options { FlowType = FlowType.AffineCoupling, Layers = 4, HiddenSizes = [64], Components = 4, Epochs = 1, Seed = 1, Threads = threads });
        var model = estimator.Fit(ml.Data.TakeRows(view, 4096));
        string path = Path.Combine(Path.GetDirectoryName(data)!, "flow.zip");
        ml.Model.Save(model, view.Schema, path);

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        bool reset = PeakResidentMemory.TryReset();
        var watch = Stopwatch.StartNew();
        using var batched = ml.LoadBatched(path, out _, new OnnxScoringOptions());
        var scored = batched.Transform(view);
        var column = scored.Schema["LogDensity"];
        using var cursor = scored.GetRowCursor([column]);
        var get = cursor.GetGetter<float>(column);
        float value = 0;
        long count = 0;
        double sum = 0;
        while (cursor.MoveNext())
        {
            get(ref value);
            sum += value;
            count++;
        }

        watch.Stop();
        Console.WriteLine(Invariant(
            $"ML.NET LoadBatched scoring of the CSV (text loader -> flow): {count:N0} rows in {watch.Elapsed.TotalSeconds:F0} s, {count / watch.Elapsed.TotalSeconds:N0} rows/s; peak RSS {PeakResidentMemory.Kib() / 1024.0:N0} MiB{(reset ? string.Empty : " (whole process: no reset)")}; mean log-density {sum / count:F3}; load average {PeakResidentMemory.LoadAverage()}"));
    }

    private static double InMemory(string data, int rows, MixtureDensityFlowOptions options)
    {
        FeatureTable table;
        using (var reader = CsvFeatureBatchReader.Open(data, batchSize: rows))
        {
            table = reader.ReadBatch()!;
        }

        var reports = new List<TrainingProgress>();
        var model = MixtureDensityFlowModel.Fit(table, options, progress: new EpochReporter(reports.Add), cancellationToken: CancellationToken.None);
        var epoch = reports[^1];
        Console.WriteLine(Invariant(
            $"in-memory training (first {table.Rows:N0} rows in a FeatureTable, Fit(FeatureTable)): {epoch.SamplesPerSecond:N0} samples/s over the epoch ({epoch.Elapsed.TotalSeconds:F0} s); peak RSS {PeakResidentMemory.Kib() / 1024.0:N0} MiB (whole process); train loss {epoch.TrainingLoss:F3}; load average {PeakResidentMemory.LoadAverage()}"));
        GC.KeepAlive(model);
        return epoch.SamplesPerSecond;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
