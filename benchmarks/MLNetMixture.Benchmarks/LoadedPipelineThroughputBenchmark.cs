using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>mlnet-load [repeats] [batch-size]</c>: rows/s through a saved ML.NET pipeline loaded two ways, ML.NET's
/// <c>mlContext.Model.Load</c> (its ONNX transformer runs one row per ONNX Runtime call) and MLNetMixture's
/// <c>mlContext.LoadBatched</c> (the same chain, its ONNX steps scored in batches), on the CPU, at 1,000 and 65,536
/// rows. Models: a mixture of experts trained briefly on UCI letter (D = 16, C = 26, K = 8 experts with one hidden
/// layer of 64) and a 2D mixture-density flow (4 spline couplings, K = 8) on the 8-Gaussians toy; throughput does not
/// depend on how well they are trained. Each measurement reads every scored column of every row once; the best of
/// the repeats is printed.
/// </summary>
internal static class LoadedPipelineThroughputBenchmark
{
    private static readonly int[] RowCounts = [1000, 65536];

    public static void Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
        string folder = Directory.CreateTempSubdirectory("mlnet-load-").FullName;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mlnet-load: best of {repeats}, LoadBatched batch size {batch}, {Environment.ProcessorCount} logical cores, CPU"));
            var ml = new MLContext(seed: 1);
            var (moePath, moeRows) = MixtureOfExperts(ml, folder);
            var (flowPath, flowRows) = Flow(ml, folder);
            Console.WriteLine($"{"model",-34} {"rows",7} {"Model.Load rows/s",18} {"LoadBatched rows/s",19} {"ratio",7}");
            foreach (var (name, path, source, columns) in new[]
            {
                ("MoE letter D=16 C=26 K=8", moePath, moeRows, new[] { "Score", "PredictedLabel" }),
                ("flow 2D, 4 spline couplings K=8", flowPath, flowRows, new[] { "LogDensity", "ComponentPosterior" }),
            })
            {
                foreach (int rows in RowCounts)
                {
                    var data = source(rows);
                    double plain = Best(repeats, () => Consume(ml.Model.Load(path, out _).Transform(data), columns));
                    using var batched = ml.LoadBatched(path, out _, new OnnxScoringOptions { BatchSize = batch });
                    double fast = Best(repeats, () => Consume(batched.Transform(data), columns));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {rows,7} {rows / plain,18:N0} {rows / fast,19:N0} {plain / fast,6:F1}x"));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (string Path, Func<int, IDataView> Rows) MixtureOfExperts(MLContext ml, string folder)
    {
        var table = CsvFeatureReader.Read(Path.Combine(RepositoryRoot(), "data", "letter_test.csv"), label: "label");
        var rows = Enumerable.Range(0, table.Rows).Select(r => new LabelledRow { Label = float.Parse(table.Labels![r], CultureInfo.InvariantCulture), Features = table.Row(r).ToArray() }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new MixtureOfExpertsTrainer.Options { LabelColumnName = "Key", Experts = 8, ExpertHiddenSizes = [64], Epochs = 2, Seed = 1 };
        var model = ml.Transforms.Conversion.MapValueToKey("Key", "Label").Append(ml.MulticlassClassification.Trainers.MixtureOfExperts(options)).Fit(data);
        string path = Path.Combine(folder, "moe.zip");
        ml.Model.Save(model, data.Schema, path);
        return (path, n => Replicate(ml, rows, n));
    }

    private static (string Path, Func<int, IDataView> Rows) Flow(MLContext ml, string folder)
    {
        var values = ToyDensities2D.Sample(ToyDensity2D.EightGaussians, 2000, seed: 1);
        var points = Enumerable.Range(0, 2000).Select(i => new Point { Features = [values[2 * i], values[(2 * i) + 1]] }).ToArray();
        var data = ml.Data.LoadFromEnumerable(points);
        var options = new MixtureDensityFlowEstimator.Options { FlowType = FlowType.SplineCoupling, Layers = 4, Components = 8, Epochs = 2, Seed = 1 };
        var model = ml.Transforms.MixtureDensityFlow(options).Fit(data);
        string path = Path.Combine(folder, "flow.zip");
        ml.Model.Save(model, data.Schema, path);
        return (path, n => Replicate(ml, points, n));
    }

    /// <summary><paramref name="rows"/> rows cycling through <paramref name="source"/>, cached in memory.</summary>
    private static IDataView Replicate<T>(MLContext ml, T[] source, int rows)
        where T : class => ml.Data.Cache(ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => source[i % source.Length]).ToArray()));

    private static double Best(int repeats, Action action)
    {
        action(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static void Consume(IDataView scored, string[] names)
    {
        var columns = names.Select(n => scored.Schema[n]).ToArray();
        using var cursor = scored.GetRowCursor(columns);
        var getters = columns.Select(c => Getter(cursor, c)).ToArray();
        while (cursor.MoveNext())
        {
            foreach (var get in getters)
            {
                get();
            }
        }
    }

    private static Action Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var get = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> value = default;
            return () => get(ref value);
        }

        if (column.Type.RawType == typeof(uint))
        {
            var get = cursor.GetGetter<uint>(column);
            uint value = 0;
            return () => get(ref value);
        }

        var getFloat = cursor.GetGetter<float>(column);
        float f = 0;
        return () => getFloat(ref f);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"No MLNetMixture.sln above {AppContext.BaseDirectory}.");
    }

    private sealed class LabelledRow
    {
        public float Label { get; set; }

        [VectorType(16)]
        public float[] Features { get; set; } = [];
    }

    private sealed class Point
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }
}
