namespace MLNetMixture.Reporting;

/// <summary>
/// 2D points as dots, optionally coloured by category (with a legend), on nice linear axes. Points with a NaN or
/// infinite coordinate are skipped.
/// </summary>
public sealed class ScatterChart : Chart
{
    private readonly ChartPoint[] _points;
    private readonly int[]? _categories;

    /// <summary>Creates a scatter plot.</summary>
    /// <param name="points">The points (at least one finite).</param>
    /// <param name="categories">A non-negative category per point (colour index), or null for one colour.</param>
    /// <exception cref="ArgumentException">No finite point, or the categories do not match the points.</exception>
    public ScatterChart(IReadOnlyList<ChartPoint> points, IReadOnlyList<int>? categories = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("A scatter plot needs at least one point.", nameof(points));
        }

        if (!points.Any(p => p.IsFinite))
        {
            throw new ArgumentException("A scatter plot needs at least one point with finite coordinates.", nameof(points));
        }

        if (categories is not null)
        {
            if (categories.Count != points.Count)
            {
                throw new ArgumentException($"{points.Count} points but {categories.Count} categories.", nameof(categories));
            }

            if (categories.Any(c => c < 0))
            {
                throw new ArgumentException("Categories must be non-negative indices.", nameof(categories));
            }

            _categories = [.. categories];
        }

        _points = [.. points];
    }

    /// <summary>The points.</summary>
    public IReadOnlyList<ChartPoint> Points => _points;

    /// <summary>The x axis title, or null.</summary>
    public string? XLabel { get; init; }

    /// <summary>The y axis title, or null.</summary>
    public string? YLabel { get; init; }

    /// <summary>The legend names of the categories by index, or null for "0", "1", ... (used only with categories).</summary>
    public IReadOnlyList<string>? CategoryNames { get; init; }

    /// <summary>The dot radius in user units.</summary>
    public double PointRadius { get; init; } = 2.5;

    /// <summary>Whether one x unit is as long as one y unit on screen.</summary>
    public bool EqualAspect { get; init; }

    private protected override string CssName => "scatter";

    private protected override void Render(SvgWriter writer, double top)
    {
        var finite = Enumerable.Range(0, _points.Length).Where(i => _points[i].IsFinite).ToArray();
        var legend = new List<LegendEntry>();
        if (_categories is not null)
        {
            foreach (int c in finite.Select(i => _categories[i]).Distinct().Order())
            {
                string name = CategoryNames is not null && c < CategoryNames.Count ? CategoryNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
                legend.Add(new LegendEntry(name, CategoricalPalette.Get(c), AsLine: false));
            }
        }

        double legendHeight = LegendPainter.Height(legend, Width - (2 * ChartTheme.Pad));
        double plotTop = top + legendHeight + (legend.Count > 0 ? 10 : 4);
        double plotBottom = Height - ChartTheme.Pad - AxisPainter.BottomHeight(XLabel);
        double xMin = finite.Min(i => _points[i].X), xMax = finite.Max(i => _points[i].X);
        double yMin = finite.Min(i => _points[i].Y), yMax = finite.Max(i => _points[i].Y);

        var y = AxisScale.NiceLinear(yMin, yMax, plotBottom, plotTop, Math.Max(3, (int)((plotBottom - plotTop) / 55)));
        double plotLeft = ChartTheme.Pad + AxisPainter.LeftWidth(y, YLabel);
        double plotRight = Width - ChartTheme.Pad - 8;
        var x = AxisScale.NiceLinear(xMin, xMax, plotLeft, plotRight, Math.Max(3, (int)((plotRight - plotLeft) / 80)));
        if (EqualAspect)
        {
            // Shrink the longer side so both axes have the same units per pixel; centre the plot horizontally.
            double xUnits = x.DomainMax - x.DomainMin, yUnits = y.DomainMax - y.DomainMin;
            double pixelsPerUnit = Math.Min((plotRight - plotLeft) / xUnits, (plotBottom - plotTop) / yUnits);
            plotLeft += ((plotRight - plotLeft) - (xUnits * pixelsPerUnit)) / 2;
            plotRight = plotLeft + (xUnits * pixelsPerUnit);
            plotBottom = plotTop + (yUnits * pixelsPerUnit);
            y = y.WithRange(plotBottom, plotTop);
            x = x.WithRange(plotLeft, plotRight);
        }

        LegendPainter.Draw(writer, legend, plotLeft, top, Width - plotLeft - ChartTheme.Pad);
        AxisPainter.Left(writer, y, plotLeft, YLabel, gridRight: plotRight);
        AxisPainter.Bottom(writer, x, plotBottom, XLabel, gridTop: plotTop);
        writer.BeginGroup(cssClass: "points");
        foreach (int i in finite)
        {
            var color = CategoricalPalette.Get(_categories?[i] ?? 0);
            writer.Circle(x.Map(_points[i].X), y.Map(_points[i].Y), PointRadius, new SvgStyle { Fill = color, Opacity = 0.7, CssClass = "point" });
        }

        writer.EndGroup();
    }
}
