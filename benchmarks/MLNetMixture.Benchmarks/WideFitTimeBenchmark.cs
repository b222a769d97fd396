using System.Diagnostics;
using System.Globalization;
using System.Text;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// The <c>wide-fit-time</c> mode (issue 16 item 5): the default mixture of experts' fit time on large, wide data, to
/// put next to scikit-learn's HistGradientBoostingClassifier on the same file (benchmarks/reference/hgb_fit_time.py).
/// </summary>
/// <remarks>
/// Usage: <c>wide-fit-time [csv=/tmp/mlmix-wide.csv] [rows=60000] [features=784] [classes=10]</c>. The file is written
/// once (seeded) when missing: each class is a Gaussian around its own centre in a 20-dimensional latent space,
/// projected to the features by one fixed random matrix, plus noise, clipped to [0, 16] and rounded to integers (pixel-like
/// values, so the CSV stays small). Only the fit is timed (reading the file is not), with every option at its default.
/// </remarks>
internal static class WideFitTimeBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the mode.</summary>
    public static void Run(string[] args)
    {
        string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "mlmix-wide.csv");
        int rows = args.Length > 1 ? int.Parse(args[1], Inv) : 60_000;
        int features = args.Length > 2 ? int.Parse(args[2], Inv) : 784;
        int classes = args.Length > 3 ? int.Parse(args[3], Inv) : 10;
        if (!File.Exists(path))
        {
            var written = Stopwatch.StartNew();
            Write(path, rows, features, classes);
            Console.WriteLine(string.Create(Inv, $"wrote {path}: {rows:N0} rows x {features} features, {classes} classes in {written.Elapsed.TotalSeconds:F0} s"));
        }

        var table = CsvFeatureReader.Read(path, label: "label");
        Console.WriteLine(string.Create(Inv, $"# wide-fit-time  {DateTime.UtcNow:u}  {table.Rows:N0} x {table.Columns}  cores: {Environment.ProcessorCount}  load: {MixtureOfExpertsRuns.Load()}"));
        var clock = Stopwatch.StartNew();
        var model = MixtureOfExpertsModel.Fit(table, new MixtureOfExpertsModelOptions());
        double seconds = clock.Elapsed.TotalSeconds;
        var training = model.Training!;
        var (validationAccuracy, validationLogLoss) = MixtureOfExpertsRuns.BestValidation(training);
        string kept = training.BestValidation is null
            ? "no rows held out (the last epoch is kept)"
            : string.Create(Inv, $"best {training.BestEpoch}, held-out validation accuracy {validationAccuracy:F4}, log-loss {validationLogLoss:F4}");
        Console.WriteLine(string.Create(Inv, $"MoE defaults fit: {seconds:F1} s, {training.EpochsRun} epochs ({kept}); load {MixtureOfExpertsRuns.Load()}"));
    }

    private static void Write(string path, int rows, int features, int classes)
    {
        const int latent = 20;
        var random = new Random(20_261_207);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var projection = new double[features, latent];
        for (int f = 0; f < features; f++)
        {
            for (int l = 0; l < latent; l++)
            {
                projection[f, l] = Normal() * 1.5;
            }
        }

        var centres = new double[classes, latent];
        for (int c = 0; c < classes; c++)
        {
            for (int l = 0; l < latent; l++)
            {
                centres[c, l] = Normal();
            }
        }

        string temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" })
        {
            writer.WriteLine(string.Join(',', Enumerable.Range(0, features).Select(f => "px" + f.ToString(Inv)).Append("label")));
            var z = new double[latent];
            var line = new StringBuilder();
            for (int r = 0; r < rows; r++)
            {
                int c = random.Next(classes);
                for (int l = 0; l < latent; l++)
                {
                    z[l] = centres[c, l] + Normal();
                }

                line.Clear();
                for (int f = 0; f < features; f++)
                {
                    double value = 8;
                    for (int l = 0; l < latent; l++)
                    {
                        value += projection[f, l] * z[l] / latent;
                    }

                    value += Normal();
                    line.Append(Math.Clamp(Math.Round(value), 0, 16).ToString(Inv)).Append(',');
                }

                writer.WriteLine(line.Append(c.ToString(Inv)));
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
