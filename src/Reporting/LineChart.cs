namespace MLNetMixture.Reporting;

/// <summary>
/// Named lines over a shared x axis (training and validation curves against epochs), with a legend above the plot,
/// nice ticks and grid lines. Missing values (null, NaN, infinite; and zero or negative values when <see cref="LogY"/>
/// is set) are skipped, and the line joins the points either side of them; each series with at least one drawable
/// point becomes one <c>polyline</c> (class <c>series</c>). Points also get hoverable dots when a series is short.
/// </summary>
public sealed class LineChart : Chart
{
    private readonly LineSeries[] _series;

    /// <summary>Creates a line chart.</summary>
    /// <param name="series">The lines (at least one, with at least one finite value among them).</param>
    /// <exception cref="ArgumentException">No series, or no finite value in any series.</exception>
    public LineChart(IEnumerable<LineSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        _series = [.. series];
        if (_series.Length == 0)
        {
            throw new ArgumentException("A line chart needs at least one series.", nameof(series));
        }

        if (_series.Any(s => s is null))
        {
            throw new ArgumentException("A series is null.", nameof(series));
        }

        if (_series.All(s => s.Present(false).Count == 0))
        {
            throw new ArgumentException("No series has a finite value to draw.", nameof(series));
        }
    }

    /// <summary>The lines, in legend order.</summary>
    public IReadOnlyList<LineSeries> Series => _series;

    /// <summary>The x axis title (e.g. "epoch"), or null.</summary>
    public string? XLabel { get; init; }

    /// <summary>The y axis title (e.g. "negative log-likelihood"), or null.</summary>
    public string? YLabel { get; init; }

    /// <summary>Whether the y axis is logarithmic (base 10). Non-positive values are then skipped like missing ones.</summary>
    public bool LogY { get; init; }

    /// <summary>Series with at most this many drawable points also get a dot per point (with a tooltip).</summary>
    public int MaxPointsForDots { get; init; } = 40;

    private protected override string CssName => "line-chart";

    private protected override void Render(SvgWriter writer, double top)
    {
        var points = _series.Select(s => s.Present(LogY)).ToArray();
        var all = points.SelectMany(p => p).ToArray();
        if (all.Length == 0)
        {
            throw new InvalidOperationException("No series has a positive value to draw on a log axis.");
        }

        var colors = new SvgColor[_series.Length];
        var legend = new List<LegendEntry>(_series.Length);
        for (int i = 0, auto = 0; i < _series.Length; i++)
        {
            colors[i] = _series[i].Color ?? CategoricalPalette.Get(auto++);
            legend.Add(new LegendEntry(_series[i].Name, colors[i], AsLine: true, _series[i].Dashed ? 6 : 0));
        }

        bool integerX = all.All(p => p.X == Math.Round(p.X));
        double yMin = all.Min(p => p.Y), yMax = all.Max(p => p.Y);
        double plotBottom = Height - ChartTheme.Pad - AxisPainter.BottomHeight(XLabel);
        double plotRight = Width - ChartTheme.Pad - 8;
        AxisScale YAxis(double plotTop) => LogY
            ? AxisScale.Log(yMin, yMax, plotBottom, plotTop)
            : AxisScale.NiceLinear(yMin, yMax, plotBottom, plotTop, Math.Max(3, (int)((plotBottom - plotTop) / 55)));

        // The legend wraps at the plot's width, which depends on the y labels, which depend on the plot's height,
        // which depends on the legend: settle it with a provisional pass.
        double plotTop = top + LegendPainter.Height(legend, Width - (2 * ChartTheme.Pad)) + 10;
        double plotLeft = ChartTheme.Pad + AxisPainter.LeftWidth(YAxis(plotTop), YLabel);
        plotTop = top + LegendPainter.Height(legend, plotRight - plotLeft) + 10;
        var y = YAxis(plotTop);
        plotLeft = Math.Max(plotLeft, ChartTheme.Pad + AxisPainter.LeftWidth(y, YLabel));
        var x = AxisScale.ExactLinear(all.Min(p => p.X), all.Max(p => p.X), plotLeft, plotRight, Math.Max(3, (int)((plotRight - plotLeft) / 80)), integerX);

        LegendPainter.Draw(writer, legend, plotLeft, top, plotRight - plotLeft);
        AxisPainter.Left(writer, y, plotLeft, YLabel, gridRight: plotRight);
        AxisPainter.Bottom(writer, x, plotBottom, XLabel, gridTop: plotTop);

        for (int i = 0; i < _series.Length; i++)
        {
            if (points[i].Count == 0)
            {
                continue;
            }

            var pixels = points[i].Select(p => new ChartPoint(x.Map(p.X), y.Map(p.Y))).ToArray();
            var stroke = new SvgStyle { Stroke = colors[i], StrokeWidth = 2, DashLength = _series[i].Dashed ? 6 : 0, CssClass = "series" };
            writer.Polyline(pixels, stroke, _series[i].Name);
            if (points[i].Count <= MaxPointsForDots)
            {
                writer.BeginGroup(cssClass: "series-dots");
                for (int k = 0; k < pixels.Length; k++)
                {
                    string tip = $"{_series[i].Name}: x = {AxisTicks.Compact(points[i][k].X)}, y = {AxisTicks.Compact(points[i][k].Y)}";
                    writer.Circle(pixels[k].X, pixels[k].Y, 3, new SvgStyle { Fill = SvgColor.White, Stroke = colors[i], StrokeWidth = 1.5 }, tip);
                }

                writer.EndGroup();
            }
        }
    }
}
