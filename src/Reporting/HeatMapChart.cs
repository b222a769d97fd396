namespace MLNetMixture.Reporting;

/// <summary>
/// A grid of values drawn as coloured cells (e.g. a learned density evaluated on a regular grid), with x and y axes,
/// a colour bar, and optional overlays: sample points and labelled markers (mixture component means, drawn as white
/// crosses). <c>values[row, column]</c> is the cell at the row-th y interval counted from the bottom (<see cref="YMin"/>)
/// and the column-th x interval from the left (<see cref="XMin"/>), as in a plot of y against x.
/// </summary>
/// <remarks>
/// Non-finite values: NaN cells take the scale's missing colour (grey); +infinity and -infinity are clamped to the top
/// and bottom colours, and do not take part in the automatic colour range. On a <see cref="LogScale"/>, zero and negative
/// values (e.g. a density that underflowed) are clamped to the bottom colour. Overlay points and markers that are not
/// finite or fall outside the grid's extent are skipped.
/// </remarks>
public sealed class HeatMapChart : Chart
{
    private readonly double[,] _values;

    /// <summary>Creates a heat map.</summary>
    /// <param name="values">The grid, [row (y), column (x)]; at least one finite value.</param>
    /// <exception cref="ArgumentException">The grid is empty or has no finite value.</exception>
    public HeatMapChart(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.GetLength(0) == 0 || values.GetLength(1) == 0)
        {
            throw new ArgumentException($"A heat map needs at least one cell; got {values.GetLength(0)} x {values.GetLength(1)}.", nameof(values));
        }

        bool anyFinite = false;
        foreach (double v in values)
        {
            anyFinite |= double.IsFinite(v);
        }

        if (!anyFinite)
        {
            throw new ArgumentException("A heat map needs at least one finite value.", nameof(values));
        }

        _values = (double[,])values.Clone();
        XMax = values.GetLength(1);
        YMax = values.GetLength(0);
    }

    /// <summary>The number of rows (y intervals).</summary>
    public int Rows => _values.GetLength(0);

    /// <summary>The number of columns (x intervals).</summary>
    public int Columns => _values.GetLength(1);

    /// <summary>The left edge of the first column, in data units (default 0).</summary>
    public double XMin { get; init; }

    /// <summary>The right edge of the last column (default: the number of columns).</summary>
    public double XMax { get; init; }

    /// <summary>The bottom edge of the first row (default 0).</summary>
    public double YMin { get; init; }

    /// <summary>The top edge of the last row (default: the number of rows).</summary>
    public double YMax { get; init; }

    /// <summary>The x axis title, or null.</summary>
    public string? XLabel { get; init; }

    /// <summary>The y axis title, or null.</summary>
    public string? YLabel { get; init; }

    /// <summary>The colour bar's title (e.g. "density"), or null.</summary>
    public string? ValueLabel { get; init; }

    /// <summary>The colour scale (default <see cref="ColorScale.Viridis"/>).</summary>
    public ColorScale ColorScale { get; init; } = ColorScale.Viridis;

    /// <summary>Whether colours follow log10 of the values (for densities, whose tails span many decades).</summary>
    public bool LogScale { get; init; }

    /// <summary>On a <see cref="LogScale"/> without <see cref="ColorMin"/>: how many decades below the largest value the colour range reaches.</summary>
    public double LogDecades { get; init; } = 6;

    /// <summary>The value at the bottom colour, or null for the smallest finite value.</summary>
    public double? ColorMin { get; init; }

    /// <summary>The value at the top colour, or null for the largest finite value.</summary>
    public double? ColorMax { get; init; }

    /// <summary>
    /// Whether the automatic colour range is symmetric about zero, [-m, m] with m the largest finite |value| (for signed
    /// values on a diverging scale such as <see cref="ColorScale.BlueWhiteRed"/>, so that zero gets the middle colour).
    /// Ignored on a <see cref="LogScale"/>; <see cref="ColorMin"/> and <see cref="ColorMax"/> still take precedence.
    /// </summary>
    public bool SymmetricColorRange { get; init; }

    /// <summary>Whether one x unit is as long as one y unit on screen (default true: a density's shape is not distorted).</summary>
    public bool EqualAspect { get; init; } = true;

    /// <summary>Whether each cell carries a hover tooltip with its position and value (large grids make larger files).</summary>
    public bool CellTooltips { get; init; } = true;

    /// <summary>Points drawn over the cells (e.g. samples from the model), or null.</summary>
    public IReadOnlyList<ChartPoint>? Samples { get; init; }

    /// <summary>The sample dots' colour (default white, drawn half transparent with a thin dark edge).</summary>
    public SvgColor SampleColor { get; init; } = SvgColor.White;

    /// <summary>Labelled markers drawn on top (e.g. mixture component means, "k=3"), or null.</summary>
    public IReadOnlyList<ChartMarker>? Markers { get; init; }

    private protected override string CssName => "heat-map";

    private protected override void Render(SvgWriter writer, double top)
    {
        if (!(XMax > XMin) || !(YMax > YMin) || !double.IsFinite(XMax - XMin) || !double.IsFinite(YMax - YMin))
        {
            throw new InvalidOperationException($"The heat map's extent must be finite with XMin < XMax and YMin < YMax; got x [{XMin}, {XMax}], y [{YMin}, {YMax}].");
        }

        var (lo, hi) = ColorRange();
        AxisScale colorAxis = LogScale ? AxisScale.Log(Math.Pow(10, lo), Math.Pow(10, hi), 0, 1, padFraction: 0) : AxisScale.ExactLinear(lo, hi, 0, 1, 5);

        // Provisional axes (pixel ranges are fixed below) to measure the margins.
        var yProbe = AxisScale.ExactLinear(YMin, YMax, 0, 100, 6);
        double left = ChartTheme.Pad + AxisPainter.LeftWidth(yProbe, YLabel);
        double bottomMargin = ChartTheme.Pad + AxisPainter.BottomHeight(XLabel);
        double barRoom = 18 + ColorBarPainter.Width(colorAxis, ValueLabel) + ChartTheme.Pad;
        double plotWidth = Width - left - barRoom, plotHeight = Height - top - 8 - bottomMargin;
        if (EqualAspect)
        {
            double aspect = (XMax - XMin) / (YMax - YMin);
            if (plotWidth / plotHeight > aspect)
            {
                plotWidth = plotHeight * aspect;
            }
            else
            {
                plotHeight = plotWidth / aspect;
            }
        }

        // Centre the plot and its colour bar horizontally in the room there is.
        double slack = Width - left - barRoom - plotWidth;
        double plotLeft = left + (slack / 2), plotTop = top + 8, plotBottom = plotTop + plotHeight, plotRight = plotLeft + plotWidth;
        var x = AxisScale.ExactLinear(XMin, XMax, plotLeft, plotRight, Math.Max(2, (int)(plotWidth / 70)));
        var y = AxisScale.ExactLinear(YMin, YMax, plotBottom, plotTop, Math.Max(2, (int)(plotHeight / 55)));

        DrawCells(writer, plotLeft, plotTop, plotWidth, plotHeight, lo, hi);
        writer.Rect(plotLeft, plotTop, plotWidth, plotHeight, new SvgStyle { Stroke = ChartTheme.AxisLine, StrokeWidth = 0.8, CssClass = "plot-frame" });
        AxisPainter.Left(writer, y, plotLeft, YLabel);
        AxisPainter.Bottom(writer, x, plotBottom, XLabel);

        var barAxis = LogScale
            ? AxisScale.Log(Math.Pow(10, lo), Math.Pow(10, hi), plotBottom, plotTop, padFraction: 0)
            : AxisScale.ExactLinear(lo, hi, plotBottom, plotTop, Math.Max(2, (int)(plotHeight / 50)));
        ColorBarPainter.Draw(writer, ColorScale, barAxis, plotRight + 18, ValueLabel);

        DrawSamples(writer, x, y);
        DrawMarkers(writer, x, y, new LabelBox(plotLeft, plotTop, plotWidth, plotHeight));
    }

    /// <summary>The colour range in scale units (log10 units on a log scale).</summary>
    private (double Lo, double Hi) ColorRange()
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in _values)
        {
            double s = Transform(v);
            if (double.IsFinite(s))
            {
                lo = Math.Min(lo, s);
                hi = Math.Max(hi, s);
            }
        }

        if (double.IsInfinity(hi))
        {
            throw new InvalidOperationException("A log-scale heat map needs at least one positive finite value.");
        }

        if (LogScale && ColorMin is null)
        {
            lo = Math.Max(lo, hi - LogDecades);
        }

        if (SymmetricColorRange && !LogScale)
        {
            double m = Math.Max(Math.Abs(lo), Math.Abs(hi));
            (lo, hi) = (-m, m);
        }

        if (ColorMin is double cmin && double.IsFinite(Transform(cmin)))
        {
            lo = Transform(cmin);
        }

        if (ColorMax is double cmax && double.IsFinite(Transform(cmax)))
        {
            hi = Transform(cmax);
        }

        if (!(hi > lo))
        {
            double pad = LogScale ? 0.5 : lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            (lo, hi) = (lo - pad, hi + pad);
        }

        return (lo, hi);
    }

    private double Transform(double v) => !LogScale ? v : double.IsNaN(v) ? v : v <= 0 ? double.NegativeInfinity : Math.Log10(v);

    private void DrawCells(SvgWriter writer, double plotLeft, double plotTop, double plotWidth, double plotHeight, double lo, double hi)
    {
        double cw = plotWidth / Columns, ch = plotHeight / Rows;
        double dx = (XMax - XMin) / Columns, dy = (YMax - YMin) / Rows;
        writer.BeginGroup(cssClass: "cells");
        for (int r = 0; r < Rows; r++)
        {
            double top = plotTop + plotHeight - ((r + 1) * ch);
            for (int c = 0; c < Columns; c++)
            {
                double v = _values[r, c];
                var color = ColorScale.Map(Transform(v), lo, hi);

                // Each cell overlaps its left and lower neighbours by half a unit, hiding anti-aliasing seams.
                double w = cw + (c == Columns - 1 ? 0 : 0.5), h = ch + (r == 0 ? 0 : 0.5);
                string? tip = CellTooltips
                    ? $"x {AxisTicks.Compact(XMin + ((c + 0.5) * dx))}, y {AxisTicks.Compact(YMin + ((r + 0.5) * dy))}: {AxisTicks.Compact(v)}"
                    : null;
                writer.Rect(plotLeft + (c * cw), top, w, h, SvgStyle.Filled(color) with { CssClass = "cell" }, tip);
            }
        }

        writer.EndGroup();
    }

    private void DrawSamples(SvgWriter writer, AxisScale x, AxisScale y)
    {
        if (Samples is null || Samples.Count == 0)
        {
            return;
        }

        double radius = Samples.Count > 2000 ? 1.2 : Samples.Count > 500 ? 1.6 : 2.2;
        var style = new SvgStyle { Fill = SampleColor, Stroke = new SvgColor(0x10, 0x10, 0x10), StrokeWidth = 0.4, Opacity = 0.75, CssClass = "sample" };
        writer.BeginGroup(cssClass: "samples");
        foreach (var p in Samples)
        {
            if (p.IsFinite && x.Contains(p.X) && y.Contains(p.Y))
            {
                writer.Circle(x.Map(p.X), y.Map(p.Y), radius, style);
            }
        }

        writer.EndGroup();
    }

    /// <summary>
    /// Draws each marker as a white cross and writes its label beside it, where the label stays inside the plot and
    /// clear of the other labels and crosses: the first free spot of the eight around the cross, then of rings further
    /// out (joined to the cross by a thin leader line); when every spot is taken, the one that overlaps least.
    /// </summary>
    private void DrawMarkers(SvgWriter writer, AxisScale x, AxisScale y, LabelBox plot)
    {
        if (Markers is null || Markers.Count == 0)
        {
            return;
        }

        const double Arm = 6;
        var outline = new SvgStyle { Stroke = new SvgColor(0x10, 0x10, 0x10), StrokeWidth = 4.5 };
        var cross = new SvgStyle { Stroke = SvgColor.White, StrokeWidth = 2 };
        var label = new SvgTextStyle { FontSize = MarkerLabelSize, Bold = true, Fill = SvgColor.White, Halo = new SvgColor(0x10, 0x10, 0x10), CssClass = "marker-label" };
        var leader = new SvgStyle { Stroke = SvgColor.White, StrokeWidth = 1, Opacity = 0.8, CssClass = "marker-leader" };
        var shown = Markers.Where(m => m is not null && x.Contains(m.X) && y.Contains(m.Y)).ToList();
        var taken = shown.Select(m => new LabelBox(x.Map(m.X) - Arm - 1, y.Map(m.Y) - Arm - 1, (2 * Arm) + 2, (2 * Arm) + 2)).ToList();
        foreach (var m in shown)
        {
            double px = x.Map(m.X), py = y.Map(m.Y);
            string tip = $"{m.Label} ({AxisTicks.Compact(m.X)}, {AxisTicks.Compact(m.Y)})";
            writer.BeginGroup(cssClass: "marker", tooltip: tip);
            foreach (var s in new[] { outline, cross })
            {
                writer.Line(px - Arm, py - Arm, px + Arm, py + Arm, s);
                writer.Line(px - Arm, py + Arm, px + Arm, py - Arm, s);
            }

            if (!string.IsNullOrEmpty(m.Label))
            {
                var (box, ring) = PlaceLabel(px, py, Arm, TextMeasure.Width(m.Label, MarkerLabelSize, bold: true), plot, taken);
                taken.Add(box);
                if (ring > 0)
                {
                    var (lx, ly) = box.NearestPoint(px, py);
                    writer.Line(px, py, lx, ly, leader);
                }

                writer.Text(box.Left, box.Top + (MarkerLabelSize * LabelAscent), m.Label, label);
            }

            writer.EndGroup();
        }
    }

    /// <summary>The marker labels' font size.</summary>
    internal const double MarkerLabelSize = 12;

    /// <summary>How far a label's baseline lies below the top of its box, in font sizes.</summary>
    internal const double LabelAscent = 0.85;

    /// <summary>A label's box height, in font sizes (ascent and descent).</summary>
    internal const double LabelHeight = 1.1;

    private static (LabelBox Box, int Ring) PlaceLabel(double px, double py, double arm, double width, LabelBox plot, List<LabelBox> taken)
    {
        double height = MarkerLabelSize * LabelHeight;
        LabelBox? best = null;
        int bestRing = 0;
        double bestOverlap = double.PositiveInfinity;
        for (int ring = 0; ring < 4; ring++)
        {
            double gap = 3 + (ring * (height + 2));
            (double Left, double Top)[] spots =
            [
                (px + arm + gap, py - arm - gap - height + 4), // upper right
                (px - arm - gap - width, py - arm - gap - height + 4), // upper left
                (px + arm + gap, py + arm + gap - 4), // lower right
                (px - arm - gap - width, py + arm + gap - 4), // lower left
                (px + arm + gap, py - (height / 2)), // right
                (px - arm - gap - width, py - (height / 2)), // left
                (px - (width / 2), py - arm - gap - height), // above
                (px - (width / 2), py + arm + gap), // below
            ];
            foreach (var (left, top) in spots)
            {
                // Keep every label inside the plot: a spot past an edge slides back in.
                var box = new LabelBox(
                    Math.Clamp(left, plot.Left + 2, Math.Max(plot.Left + 2, plot.Right - 2 - width)),
                    Math.Clamp(top, plot.Top + 2, Math.Max(plot.Top + 2, plot.Bottom - 2 - height)),
                    width,
                    height);
                double overlap = taken.Sum(t => t.Overlap(box));
                if (overlap <= 0)
                {
                    return (box, ring);
                }

                if (overlap < bestOverlap)
                {
                    (best, bestRing, bestOverlap) = (box, ring, overlap);
                }
            }
        }

        return (best!, bestRing);
    }

    /// <summary>An axis-aligned rectangle in drawing units: a label's extent, a cross's, or the plot's.</summary>
    private sealed record LabelBox(double Left, double Top, double Width, double Height)
    {
        public double Right => Left + Width;

        public double Bottom => Top + Height;

        /// <summary>The area this box shares with <paramref name="other"/> (0 when they do not meet).</summary>
        public double Overlap(LabelBox other) =>
            Math.Max(0, Math.Min(Right, other.Right) - Math.Max(Left, other.Left)) * Math.Max(0, Math.Min(Bottom, other.Bottom) - Math.Max(Top, other.Top));

        /// <summary>The point of the box nearest to (<paramref name="x"/>, <paramref name="y"/>).</summary>
        public (double X, double Y) NearestPoint(double x, double y) => (Math.Clamp(x, Left, Right), Math.Clamp(y, Top, Bottom));
    }
}
