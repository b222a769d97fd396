namespace MLNetMixture.Reporting;

/// <summary>Draws a vertical colour bar (stacked thin rectangles, no gradient ids) with an axis on its right.</summary>
internal static class ColorBarPainter
{
    public const double BarWidth = 14;
    private const int Slices = 64;

    /// <summary>The horizontal room the bar, its tick labels and its title take.</summary>
    public static double Width(AxisScale axis, string? label) =>
        BarWidth + 8 + AxisPainter.MaxTickLabelWidth(axis) + (string.IsNullOrEmpty(label) ? 2 : 10 + ChartTheme.LabelSize);

    /// <summary>
    /// Draws the bar at <paramref name="x"/> over the axis's pixel range. Slice i of <see cref="Slices"/> takes the scale's
    /// colour at its middle; the axis maps values to the same pixels as the colours.
    /// </summary>
    public static void Draw(SvgWriter w, ColorScale scale, AxisScale axis, double x, string? label)
    {
        double top = Math.Min(axis.RangeStart, axis.RangeEnd), height = Math.Abs(axis.RangeEnd - axis.RangeStart);
        w.BeginGroup(cssClass: "colorbar");
        double slice = height / Slices;
        for (int i = 0; i < Slices; i++)
        {
            // i = 0 is the bottom (lowest value).
            double y = top + height - ((i + 1) * slice);
            w.Rect(x, y, BarWidth, slice + (i == 0 ? 0 : 0.5), SvgStyle.Filled(scale.Map((i + 0.5) / Slices)) with { CssClass = "colorbar-slice" });
        }

        w.Rect(x, top, BarWidth, height, new SvgStyle { Stroke = ChartTheme.AxisLine, StrokeWidth = 0.8 });
        w.EndGroup();
        AxisPainter.Right(w, axis, x + BarWidth, label);
    }
}
