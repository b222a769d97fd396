using System.Globalization;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Reporting;

/// <summary>
/// Assembles the HTML report of a mixture-density flow: training and validation log-likelihood curves and, for
/// two-dimensional data, the learned density as a heat map with the data and model samples overlaid and the base
/// components' centres marked. Used by <c>mlmix flow fit --report</c> and reusable by any caller.
/// </summary>
public sealed class MixtureDensityFlowReport
{
    /// <summary>Creates a report.</summary>
    /// <param name="model">The flow; its <see cref="MixtureDensityFlowModel.Training"/> history gives the curves.</param>
    /// <param name="data">Rows with the model's feature columns (e.g. the training data), overlaid on 2-D density maps.</param>
    public MixtureDensityFlowReport(MixtureDensityFlowModel model, FeatureTable data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Model = model;
        Data = data;
    }

    /// <summary>The flow.</summary>
    public MixtureDensityFlowModel Model { get; }

    /// <summary>The data shown.</summary>
    public FeatureTable Data { get; }

    /// <summary>
    /// Held-out rows (validation or test) whose mean log-density is the headline figure, shown before that of
    /// <see cref="Data"/>; null for none.
    /// </summary>
    public FeatureTable? ValidationData { get; init; }

    /// <summary>The page title. Default "Mixture-density flow".</summary>
    public string Title { get; init; } = "Mixture-density flow";

    /// <summary>Grid cells per axis of the 2-D density map. Default 80.</summary>
    public int GridSize { get; init; } = 80;

    /// <summary>At most this many data rows are overlaid on the density map. Default 1,000.</summary>
    public int MaxPoints { get; init; } = 1000;

    /// <summary>Seed of the model samples used to place the component centres.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Extra key/value pairs for the header (e.g. the training file).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraMetadata { get; init; } = [];

    /// <summary>Builds the report page.</summary>
    public HtmlReport Build()
    {
        var report = new HtmlReport(Title)
        {
            Subtitle = $"{Model.Architecture.FlowType} flow, {Model.Architecture.Layers} layers, {Model.Components} base component(s), {Model.Dimension} features",
        };
        if (Model.Training is { } training)
        {
            report.AddMetadata("epochs run", Text(training.EpochsRun));
            report.AddMetadata("best epoch", Text(training.BestEpoch));
            report.AddMetadata("ended by", training.Cancelled ? "cancellation (Ctrl+C)" : training.StoppedEarly ? "early stopping" : "epoch limit");
            if (training.BestValidation is double best)
            {
                report.AddMetadata("best validation log-likelihood", best.ToString("F4", CultureInfo.InvariantCulture) + " nats/row");
            }
        }

        foreach (var (key, value) in ExtraMetadata)
        {
            report.AddMetadata(key, value);
        }

        FeatureTable[] tables = ValidationData is null ? [Data] : [ValidationData, Data];
        report.AddSection("Summary").AddTable(
            ["rows of", "rows", "mean log-density (nats/row)"],
            tables.Select(t => (IReadOnlyList<string>)[t.Source, Text(t.Rows), Model.LogDensity(t).Average(v => (double)v).ToString("F4", CultureInfo.InvariantCulture)]),
            ValidationData is null ? "Mean log-density per row (higher is better)." : "Mean log-density per row (higher is better): held-out rows first, then the rows trained on.");

        if (Model.Training is { History.Count: > 0 } history)
        {
            var epochs = history.History.Select(p => (double)p.Epoch).ToArray();
            var series = new List<LineSeries> { new("training", history.History.Select(p => (double?)-p.TrainingLoss), epochs) };
            if (history.History.Any(p => p.Validation is not null))
            {
                series.Add(new LineSeries("validation", history.History.Select(p => p.Validation), epochs) { Dashed = true });
            }

            report.AddSection("Training").AddFigure(
                new LineChart(series) { Title = "Log-likelihood", XLabel = "epoch", YLabel = "nats per row" },
                $"Mean log-likelihood per epoch (higher is better); the kept parameters are from epoch {history.BestEpoch}.");
        }

        if (Model.Dimension == 2)
        {
            report.AddSection("Density").AddFigure(DensityMap(), "The learned density on a grid over the data, with data rows (dots) and the base components' centres (crosses).");
        }

        return report;
    }

    /// <summary>Builds the report and saves it atomically to <paramref name="path"/>.</summary>
    public void Save(string path) => Build().Save(path);

    private HeatMapChart DensityMap()
    {
        var x = Enumerable.Range(0, Data.Rows).Select(r => (double)Data.Row(r)[0]).ToArray();
        var y = Enumerable.Range(0, Data.Rows).Select(r => (double)Data.Row(r)[1]).ToArray();
        var (xMin, xMax) = Padded(x);
        var (yMin, yMax) = Padded(y);
        int g = GridSize;
        var grid = new float[g * g * 2];
        for (int row = 0; row < g; row++)
        {
            for (int col = 0; col < g; col++)
            {
                int i = (row * g) + col;
                grid[2 * i] = (float)(xMin + ((col + 0.5) * (xMax - xMin) / g));
                grid[(2 * i) + 1] = (float)(yMin + ((row + 0.5) * (yMax - yMin) / g));
            }
        }

        var density = Model.LogDensity(new FeatureTable(grid, g * g, Model.FeatureNames, null, "density grid"));
        var values = new double[g, g];
        for (int row = 0; row < g; row++)
        {
            for (int col = 0; col < g; col++)
            {
                values[row, col] = Math.Exp(density[(row * g) + col]);
            }
        }

        int step = Math.Max(1, Data.Rows / MaxPoints);
        var points = Enumerable.Range(0, Data.Rows).Where(r => r % step == 0).Select(r => new ChartPoint(x[r], y[r])).ToArray();
        return new HeatMapChart(values)
        {
            Title = "Learned density",
            XMin = xMin,
            XMax = xMax,
            YMin = yMin,
            YMax = yMax,
            XLabel = Model.FeatureNames[0],
            YLabel = Model.FeatureNames[1],
            ValueLabel = "density",
            EqualAspect = false,
            CellTooltips = false,
            Samples = points,
            Markers = ComponentCentres(),
        };
    }

    /// <summary>Each base component's centre in data units: the posterior-weighted mean of model samples.</summary>
    private ChartMarker[] ComponentCentres()
    {
        var samples = Model.Sample(2000, Seed);
        var posterior = Model.ComponentPosterior(samples);
        int k = Model.Components;
        var markers = new List<ChartMarker>(k);
        for (int c = 0; c < k; c++)
        {
            double weight = 0, sx = 0, sy = 0;
            for (int r = 0; r < samples.Rows; r++)
            {
                double p = posterior[r, c];
                weight += p;
                sx += p * samples.Row(r)[0];
                sy += p * samples.Row(r)[1];
            }

            if (weight > 0)
            {
                markers.Add(new ChartMarker(sx / weight, sy / weight, "component " + Text(c)));
            }
        }

        return [.. markers];
    }

    private static (double Min, double Max) Padded(double[] values)
    {
        double lo = values.Min(), hi = values.Max();
        double pad = Math.Max(1e-6, 0.1 * (hi - lo));
        return (lo - pad, hi + pad);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
