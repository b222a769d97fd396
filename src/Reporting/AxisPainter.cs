namespace MLNetMixture.Reporting;

/// <summary>Draws axis lines, ticks, tick labels, grid lines and axis titles.</summary>
internal static class AxisPainter
{
    private const double TickLength = 5;

    /// <summary>The widest tick label of an axis, for sizing the left margin.</summary>
    public static double MaxTickLabelWidth(AxisScale scale) =>
        scale.Ticks.Count == 0 ? 0 : scale.Ticks.Max(t => TextMeasure.Width(scale.Format(t), ChartTheme.TickSize));

    /// <summary>A horizontal axis at <paramref name="y"/>; grid lines (when <paramref name="gridTop"/> is given) run up to it.</summary>
    public static void Bottom(SvgWriter w, AxisScale x, double y, string? label, double? gridTop = null, double labelOffset = 0)
    {
        w.BeginGroup(cssClass: "axis x-axis");
        foreach (double t in x.Ticks)
        {
            double px = x.Map(t);
            if (gridTop is { } top)
            {
                w.Line(px, top, px, y, ChartTheme.GridStroke);
            }

            w.Line(px, y, px, y + TickLength, ChartTheme.AxisStroke);
            w.Text(px, y + TickLength + 3, x.Format(t), ChartTheme.Tick with { Anchor = SvgTextAnchor.Middle, Baseline = SvgTextBaseline.Top });
        }

        w.Line(x.RangeStart, y, x.RangeEnd, y, ChartTheme.AxisStroke);
        if (!string.IsNullOrEmpty(label))
        {
            w.Text((x.RangeStart + x.RangeEnd) / 2, y + TickLength + 3 + ChartTheme.TickSize + 8 + labelOffset, label, ChartTheme.AxisLabel with { Baseline = SvgTextBaseline.Top });
        }

        w.EndGroup();
    }

    /// <summary>A vertical axis at <paramref name="x"/>; grid lines (when <paramref name="gridRight"/> is given) run across to it.</summary>
    public static void Left(SvgWriter w, AxisScale y, double x, string? label, double? gridRight = null)
    {
        w.BeginGroup(cssClass: "axis y-axis");
        double widest = MaxTickLabelWidth(y);
        foreach (double t in y.Ticks)
        {
            double py = y.Map(t);
            if (gridRight is { } right)
            {
                w.Line(x, py, right, py, ChartTheme.GridStroke);
            }

            w.Line(x - TickLength, py, x, py, ChartTheme.AxisStroke);
            w.Text(x - TickLength - 3, py, y.Format(t), ChartTheme.Tick with { Anchor = SvgTextAnchor.End, Baseline = SvgTextBaseline.Middle });
        }

        w.Line(x, y.RangeStart, x, y.RangeEnd, ChartTheme.AxisStroke);
        if (!string.IsNullOrEmpty(label))
        {
            double lx = x - TickLength - 3 - widest - 10;
            w.Text(lx, (y.RangeStart + y.RangeEnd) / 2, label, ChartTheme.AxisLabel with { Rotation = -90 });
        }

        w.EndGroup();
    }

    /// <summary>A vertical axis on the right of <paramref name="x"/> (colour bars), labels to the right.</summary>
    public static void Right(SvgWriter w, AxisScale y, double x, string? label)
    {
        w.BeginGroup(cssClass: "axis colorbar-axis");
        double widest = MaxTickLabelWidth(y);
        foreach (double t in y.Ticks)
        {
            double py = y.Map(t);
            w.Line(x, py, x + TickLength, py, ChartTheme.AxisStroke);
            w.Text(x + TickLength + 3, py, y.Format(t), ChartTheme.Tick with { Baseline = SvgTextBaseline.Middle });
        }

        if (!string.IsNullOrEmpty(label))
        {
            double lx = x + TickLength + 3 + widest + 10;
            w.Text(lx, (y.RangeStart + y.RangeEnd) / 2, label, ChartTheme.AxisLabel with { Rotation = 90 });
        }

        w.EndGroup();
    }

    /// <summary>The horizontal room a left axis needs: tick labels plus, with a title, the rotated title.</summary>
    public static double LeftWidth(AxisScale y, string? label) =>
        TickLength + 3 + MaxTickLabelWidth(y) + (string.IsNullOrEmpty(label) ? 4 : 10 + ChartTheme.LabelSize + 2);

    /// <summary>The vertical room a bottom axis needs below its line.</summary>
    public static double BottomHeight(string? label) =>
        TickLength + 3 + ChartTheme.TickSize + 4 + (string.IsNullOrEmpty(label) ? 0 : 4 + ChartTheme.LabelSize + 6);
}
