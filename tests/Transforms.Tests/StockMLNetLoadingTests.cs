using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>
/// The saved flow pipeline is made of ML.NET's own transformers only: tests/StockLoader, a console app that references
/// Microsoft.ML, Microsoft.ML.OnnxTransformer and ONNX Runtime but no MLNetMixture assembly, loads and scores it.
/// </summary>
public sealed class StockMLNetLoadingTests(FittedFlow flow) : IClassFixture<FittedFlow>
{
    [Fact]
    public async Task A_process_with_only_stock_mlnet_loads_the_saved_flow_and_scores_like_we_do()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"stock-load-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string zip = Path.Combine(folder, "flow.zip"), csv = Path.Combine(folder, "rows.csv");
            var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
            flow.Context.Model.Save(flow.Model, test.Schema, zip);
            var rows = await ScoreTestRowsWithStockLoader(zip, csv, "# LogDensity type Single");
            var stock = rows.Select(r => float.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
            Assert.All(rows, r => Assert.Equal(1.0, double.Parse(r[1], CultureInfo.InvariantCulture), 4));

            var loadedByUs = new MLContext().Model.Load(zip, out _).Transform(test);
            var ours = ColumnReader.Scalars<float>(loadedByUs, "LogDensity");
            var native = ColumnReader.Scalars<float>(flow.Model.Transform(test), "LogDensity");
            Assert.InRange(ColumnReader.MaxAbsDifference([stock], [ours]), 0f, 1e-4f);
            Assert.InRange(ColumnReader.MaxAbsDifference([stock], [native]), 0f, 1e-4f);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_process_with_only_stock_mlnet_loads_the_saved_anomaly_detector_and_decides_like_we_do()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"stock-anomaly-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string zip = Path.Combine(folder, "detector.zip"), csv = Path.Combine(folder, "rows.csv");
            var ml = flow.Context;
            var train = ml.Data.LoadFromEnumerable(flow.Train);
            var test = ml.Data.LoadFromEnumerable(flow.Test);
            var options = new MixtureDensityFlowAnomalyEstimator.Options { Flow = FittedFlow.EstimatorSettings(), Contamination = 0.1 };
            var detector = ml.Transforms.Concatenate("Features", "x", "y").Append(ml.AnomalyDetection.Trainers.MixtureDensityFlow(options)).Fit(train);
            ml.Model.Save(detector, test.Schema, zip);
            var rows = await ScoreTestRowsWithStockLoader(zip, csv, "# Score type Single; PredictedLabel type Boolean");
            var stockScores = rows.Select(r => float.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
            var stockFlags = rows.Select(r => bool.Parse(r[1])).ToArray();

            var native = detector.Transform(test);
            var nativeScores = ColumnReader.Scalars<float>(native, "Score");
            Assert.InRange(ColumnReader.MaxAbsDifference([stockScores], [nativeScores]), 0f, 1e-4f);
            float threshold = ((IEnumerable<ITransformer>)detector).OfType<MixtureDensityFlowAnomalyTransformer>().Single().Threshold;
            Assert.Equal(stockScores.Select(s => s > threshold), stockFlags);
            var nativeFlags = ColumnReader.Scalars<bool>(native, "PredictedLabel");
            Assert.InRange(stockFlags.Zip(nativeFlags).Count(f => f.First != f.Second), 0, 2);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_saved_chains_scalar_step_passes_non_finite_log_densities_through()
    {
        using var stream = new MemoryStream();
        var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
        flow.Context.Model.Save(flow.Model, test.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var points = new[] { new FittedFlow.Point { X = float.NaN, Y = 0 }, new FittedFlow.Point { X = 0, Y = 0 } };
        var scored = loaded.Transform(flow.Context.Data.LoadFromEnumerable(points));
        var logDensity = ColumnReader.Scalars<float>(scored, "LogDensity");
        Assert.True(float.IsNaN(logDensity[0]), $"NaN feature gave {logDensity[0]}");
        Assert.True(float.IsFinite(logDensity[1]));
        Assert.Equal(NumberDataViewType.Single, scored.Schema["LogDensity"].Type);
    }

    /// <summary>
    /// Writes the fixture's test rows to <paramref name="csv"/>, scores them with the stock-only StockLoader process
    /// and returns its tab-separated rows, after checking that it succeeded, printed <paramref name="typesLine"/> and
    /// scored every row.
    /// </summary>
    private async Task<string[][]> ScoreTestRowsWithStockLoader(string zip, string csv, string typesLine)
    {
        var csvText = new StringBuilder("x,y\n");
        foreach (var p in flow.Test)
        {
            csvText.Append(CultureInfo.InvariantCulture, $"{p.X:R},{p.Y:R}\n");
        }

        await File.WriteAllTextAsync(csv, csvText.ToString(), TestContext.Current.CancellationToken);
        var (code, output) = await Run(zip, csv);
        Assert.True(code == 0, $"StockLoader exited with {code}:\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith(typesLine, StringComparison.Ordinal));
        var rows = lines.Where(l => !l.StartsWith('#') && l.Contains('\t', StringComparison.Ordinal)).Select(l => l.Split('\t')).ToArray();
        Assert.True(rows.Length == flow.Test.Count, $"expected {flow.Test.Count} scored rows:\n{output}");
        return rows;
    }

    private static async Task<(int Code, string Output)> Run(string zip, string csv)
    {
        string project = Path.Combine(LetterData.RepositoryRoot(), "tests", "StockLoader", "StockLoader.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "run", "--project", project, "-c", "Release", "--", zip, csv })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 5 minutes");
        }

        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }
}
