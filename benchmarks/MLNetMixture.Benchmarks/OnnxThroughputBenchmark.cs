using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>onnx-throughput [seconds-per-measurement] [repeats] [threads]</c>: rows/s of scoring exported
/// models with ONNX Runtime on the CPU (through <see cref="OnnxScorer"/>) against MLNetMixture's own C# scoring
/// (<see cref="MixtureDensityFlowInference"/>, one batch per call on one gradient-free tape; the mixture of experts'
/// soft <see cref="MixtureOfExperts.Predict"/> and native top-1 path), at batch sizes 1, 64, 1024 and 16384, with
/// the same number of threads on both sides. The measuring code (<see cref="FlowThroughputBenchmark"/>,
/// <see cref="MixtureOfExpertsThroughputBenchmark"/>) is shared with <c>mlmix bench onnx</c>.
/// </summary>
/// <remarks>
/// Models are freshly initialised on synthetic rows (throughput does not depend on trained values): (a) a
/// mixture-density flow, D = 43, 8 affine couplings with 2 x 128 ReLU conditioners (reversed order between them), a
/// K = 8 Gaussian-mixture base, a standardiser, scored for its log-density and component posterior; (b) a
/// mixture-of-experts classifier shaped for UCI letter: D = 16, C = 26, K = 8 experts with one hidden layer of 64,
/// a linear gate, soft mixture. Every measurement scores batches
/// back to back for at least the given seconds (after a warm-up); the best of the repeats is reported, with the
/// machine's load averages beside the table.
/// </remarks>
internal static class OnnxThroughputBenchmark
{
    private static readonly int[] BatchSizes = [1, 64, 1024, 16384];

    public static void Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1.0;
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"onnx-throughput: {threads} thread(s) on both sides, >= {seconds} s per measurement, best of {repeats}; {Environment.ProcessorCount} logical cores"));
        Console.WriteLine($"load before: {LoadAverage()}");

        var plan = new MeasurementPlan { SecondsPerRound = seconds, Rounds = repeats, WarmupSeconds = Math.Min(0.3, seconds) };
        var rows = new List<(string Model, string Path, int Batch, double RowsPerSecond)>();
        RunFlow(rows, plan, threads);
        RunMixtureOfExperts(rows, plan, threads);

        Console.WriteLine();
        Console.WriteLine($"{"model",-44} {"scoring path",-34} {"batch",6} {"rows/s",14}");
        foreach (var (model, path, batch, rate) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model,-44} {path,-34} {batch,6} {rate,14:N0}"));
        }

        Console.WriteLine();
        Console.WriteLine("ONNX Runtime / C# ratio (same model, batch):");
        foreach (var group in rows.GroupBy(r => (r.Model, r.Batch)))
        {
            var onnx = group.First(r => r.Path.StartsWith("ONNX", StringComparison.Ordinal)).RowsPerSecond;
            foreach (var other in group.Where(r => !r.Path.StartsWith("ONNX", StringComparison.Ordinal)))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Key.Model}, batch {group.Key.Batch}: ONNX Runtime {onnx / other.RowsPerSecond:F2}x {other.Path}"));
            }
        }

        Console.WriteLine($"load after: {LoadAverage()}");
    }

    private static void RunFlow(List<(string, string, int, double)> rows, MeasurementPlan plan, int threads)
    {
        const string name = "flow D=43, 8 affine coupling 2x128, K=8";
        var flow = new FlowThroughputBenchmark(FlowThroughputBenchmark.MixtureArchitecture, seed: 43);
        foreach (int batch in BatchSizes)
        {
            rows.Add((name, "ONNX Runtime CPU (OnnxScorer)", batch, flow.MeasureOnnxLogDensity(batch, threads, plan, withPosterior: true).Best));
            rows.Add((name, "C# MixtureDensityFlowInference", batch, flow.MeasureLogDensity(batch, threads, plan, withPosterior: true).Best));
        }
    }

    private static void RunMixtureOfExperts(List<(string, string, int, double)> rows, MeasurementPlan plan, int threads)
    {
        const string name = "MoE letter D=16, C=26, K=8, experts 64";
        var experts = MixtureOfExpertsThroughputBenchmark.Untrained(seed: 16);
        foreach (int batch in BatchSizes)
        {
            rows.Add((name, "ONNX Runtime CPU (OnnxScorer, soft)", batch, experts.MeasureOnnxSoft(batch, threads, plan).Best));
            rows.Add((name, "C# Predict (Tape, soft)", batch, experts.MeasureSoft(batch, threads, plan).Best));
            rows.Add((name, "C# PredictTopK (native top-1)", batch, experts.MeasureTopOne(batch, threads, plan).Best));
        }
    }

    private static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {fields[0]}, {fields[1]}, {fields[2]} (1, 5, 15 min) on {Environment.ProcessorCount} logical cores";
        }
        catch (IOException)
        {
            return "load average unavailable";
        }
    }
}
