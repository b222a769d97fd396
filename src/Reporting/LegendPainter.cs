namespace MLNetMixture.Reporting;

/// <summary>Lays out legend entries in rows that wrap at a given width, and draws them.</summary>
internal static class LegendPainter
{
    private const double RowHeight = 20;
    private const double Swatch = 22;
    private const double Gap = 18;

    /// <summary>The height the entries take when wrapped at <paramref name="width"/>.</summary>
    public static double Height(IReadOnlyList<LegendEntry> entries, double width) =>
        entries.Count == 0 ? 0 : Layout(entries, width).Max(p => p.Row + 1) * RowHeight;

    /// <summary>Draws the entries from (<paramref name="x"/>, <paramref name="y"/>), wrapping at <paramref name="width"/>.</summary>
    public static void Draw(SvgWriter w, IReadOnlyList<LegendEntry> entries, double x, double y, double width)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var layout = Layout(entries, width);
        w.BeginGroup(cssClass: "legend");
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            double ex = x + layout[i].X, cy = y + (layout[i].Row * RowHeight) + (RowHeight / 2);
            w.BeginGroup(cssClass: "legend-entry");
            if (e.AsLine)
            {
                w.Line(ex, cy, ex + Swatch - 4, cy, new SvgStyle { Stroke = e.Color, StrokeWidth = 2.5, DashLength = e.DashLength });
            }
            else
            {
                w.Rect(ex + 4, cy - 6, 12, 12, SvgStyle.Filled(e.Color) with { CssClass = "swatch" });
            }

            w.Text(ex + Swatch + 2, cy, e.Name, ChartTheme.Tick with { FontSize = 12, Fill = ChartTheme.Ink, Baseline = SvgTextBaseline.Middle, CssClass = "legend-label" });
            w.EndGroup();
        }

        w.EndGroup();
    }

    private static List<(double X, int Row)> Layout(IReadOnlyList<LegendEntry> entries, double width)
    {
        var result = new List<(double X, int Row)>(entries.Count);
        double cursor = 0;
        int row = 0;
        foreach (var e in entries)
        {
            double w = Swatch + 2 + TextMeasure.Width(e.Name, 12);
            if (cursor > 0 && cursor + w > width)
            {
                row++;
                cursor = 0;
            }

            result.Add((cursor, row));
            cursor += w + Gap;
        }

        return result;
    }
}
