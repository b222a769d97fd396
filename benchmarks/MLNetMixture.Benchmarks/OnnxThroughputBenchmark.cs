using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Transforms.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>onnx-throughput [seconds-per-measurement] [repeats] [threads]</c>: rows/s of scoring exported
/// models with ONNX Runtime on the CPU (through <see cref="OnnxScorer"/>) against MLNetMixture's own C# scoring
/// (the graph functions on a <see cref="Tape"/> without gradients, and the mixture-of-experts' native top-1 path),
/// at batch sizes 1, 64, 1024 and 16384, with the same number of threads on both sides.
/// </summary>
/// <remarks>
/// Models are randomly initialised (throughput does not depend on trained values): (a) a mixture-density flow,
/// D = 43, 8 affine couplings with 2 x 128 ReLU conditioners, a K = 8 Gaussian-mixture base, a standardiser, scored
/// for its log-density and component posterior; (b) a mixture-of-experts classifier shaped for UCI letter: D = 16,
/// C = 26, K = 8 experts with one hidden layer of 64, a linear gate, soft mixture. Every measurement scores batches
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

        var rows = new List<(string Model, string Path, int Batch, double RowsPerSecond)>();
        RunFlow(rows, seconds, repeats, threads);
        RunMixtureOfExperts(rows, seconds, repeats, threads);

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

    private static void RunFlow(List<(string, string, int, double)> rows, double seconds, int repeats, int threads)
    {
        const int d = 43, k = 8, pool = 16384;
        const string name = "flow D=43, 8 affine coupling 2x128, K=8";
        var random = new RandomSource(43);
        var layers = Enumerable.Range(0, 8)
            .Select(i => (IFlowLayer)new AffineCouplingLayer($"coupling{i}", CouplingPartition.Halves(d, transformSecondHalf: i % 2 == 0), [128, 128], Activation.Relu, random))
            .ToArray();
        var baseDistribution = new DiagonalGaussianMixture("base", k, d);
        baseDistribution.InitializeSpread(random);
        var data = new Tensor(pool, d);
        random.FillNormal(data.Span);
        var standardizer = new Standardizer("standardizer", d);
        standardizer.Fit(data.Span, pool);
        var model = new MixtureDensityFlow(new FlowSequence(layers), baseDistribution, standardizer);
        var onnxModel = new MixtureDensityFlowOnnxExporter().ToBytes(model, Enumerable.Range(0, d).Select(j => $"f{j}").ToArray());

        var tape = new Tape(threads) { RecordGradients = false };
        foreach (int batch in BatchSizes)
        {
            var batches = Slices(data, batch);
            using var scorer = OnnxScorer.Load(onnxModel, new OnnxScoringOptions { BatchSize = batch, IntraOpThreads = threads });
            var arrays = batches.Select(t => t.ToArray()).ToArray();
            rows.Add((name, "ONNX Runtime CPU (OnnxScorer)", batch, Measure(i => scorer.Score(arrays[i % arrays.Length], batch), batch, seconds, repeats)));
            rows.Add((name, "C# Tape (no gradients)", batch, Measure(
                i =>
                {
                    tape.Reset();
                    var (logDensity, posterior) = model.LogDensityAndPosterior(tape, tape.Constant(batches[i % batches.Length]));
                    _ = tape.Value(logDensity);
                    _ = tape.Value(posterior);
                },
                batch,
                seconds,
                repeats)));
        }
    }

    private static void RunMixtureOfExperts(List<(string, string, int, double)> rows, double seconds, int repeats, int threads)
    {
        const int d = 16, c = 26, k = 8, pool = 16384;
        const string name = "MoE letter D=16, C=26, K=8, experts 64";
        var model = new MixtureOfExperts(new MixtureOfExpertsOptions(d, c, k) { ExpertHiddenSizes = [64], Activation = Activation.Relu, Seed = 16 });
        var random = new RandomSource(16);
        var data = new Tensor(pool, d);
        random.FillNormal(data.Span);
        var onnxModel = new MixtureOfExpertsOnnxExporter().ToBytes(
            null,
            model,
            Enumerable.Range(0, c).Select(i => ((char)('A' + i)).ToString()).ToArray(),
            Enumerable.Range(0, d).Select(j => $"f{j}").ToArray());

        foreach (int batch in BatchSizes)
        {
            var batches = Slices(data, batch);
            using var scorer = OnnxScorer.Load(onnxModel, new OnnxScoringOptions { BatchSize = batch, IntraOpThreads = threads });
            var arrays = batches.Select(t => t.ToArray()).ToArray();
            rows.Add((name, "ONNX Runtime CPU (OnnxScorer, soft)", batch, Measure(i => scorer.Score(arrays[i % arrays.Length], batch), batch, seconds, repeats)));
            rows.Add((name, "C# Predict (Tape, soft)", batch, Measure(i => model.Predict(batches[i % batches.Length], threads), batch, seconds, repeats)));
            rows.Add((name, "C# PredictTopK (native top-1)", batch, Measure(i => model.PredictTopK(batches[i % batches.Length], 1, threads), batch, seconds, repeats)));
        }
    }

    /// <summary>The pool cut into consecutive batches of <paramref name="batch"/> rows (at most 64 of them).</summary>
    private static Tensor[] Slices(Tensor pool, int batch)
    {
        int count = Math.Min(64, pool.Rows / batch);
        int width = pool.RowLength;
        return Enumerable.Range(0, count)
            .Select(i => Tensor.FromValues(pool.Span.Slice(i * batch * width, batch * width), batch, width))
            .ToArray();
    }

    /// <summary>Rows per second of <paramref name="scoreBatch"/> (called with 0, 1, 2, ...), the best of the repeats.</summary>
    private static double Measure(Action<int> scoreBatch, int batch, double seconds, int repeats)
    {
        // Warm-up: JIT, ONNX Runtime's first-run allocations, the tape's buffers.
        var warmup = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 3 || warmup.Elapsed.TotalSeconds < Math.Min(0.3, seconds))
        {
            scoreBatch(calls++);
        }

        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            int done = 0;
            var clock = Stopwatch.StartNew();
            while (done < 2 || clock.Elapsed.TotalSeconds < seconds)
            {
                scoreBatch(calls++);
                done++;
            }

            best = Math.Max(best, done * (double)batch / clock.Elapsed.TotalSeconds);
        }

        return best;
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
