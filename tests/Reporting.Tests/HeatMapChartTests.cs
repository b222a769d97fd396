using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class HeatMapChartTests
{
    private static double[,] Ramp(int rows, int cols)
    {
        var v = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                v[r, c] = (r * cols) + c;
            }
        }

        return v;
    }

    [Fact]
    public void Every_cell_is_a_rect_and_there_is_a_colour_bar()
    {
        var chart = new HeatMapChart(Ramp(6, 9)) { Title = "density", ValueLabel = "p", XLabel = "x1", YLabel = "x2" };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var cells = svg.WithClass("rect", "cell");
        Assert.Equal(6 * 9, cells.Count);
        Assert.NotEmpty(svg.WithClass("rect", "colorbar-slice"));
        Assert.Single(svg.WithClass("g", "colorbar"));
        Assert.Contains("p", svg.VisibleTexts());

        // The smallest value takes the first colour, the largest the last.
        Assert.Equal(ColorScale.Viridis.Map(0).ToString(), (string?)cells[0].Attribute("fill"));
        Assert.Equal(ColorScale.Viridis.Map(1).ToString(), (string?)cells[^1].Attribute("fill"));
        Assert.Equal("x 0.5, y 0.5: 0", cells[0].Element(SvgTestDocument.Ns + "title")?.Value);
    }

    [Fact]
    public void Row_zero_is_at_the_bottom_and_column_zero_at_the_left()
    {
        var svg = SvgTestDocument.Parse(new HeatMapChart(Ramp(3, 4)).ToSvg());
        var cells = svg.WithClass("rect", "cell");

        // Emitted row by row from the bottom: cell (r, c) is cells[r * 4 + c].
        Assert.True(SvgTestDocument.Number(cells[0], "y") > SvgTestDocument.Number(cells[4], "y"));
        Assert.True(SvgTestDocument.Number(cells[0], "x") < SvgTestDocument.Number(cells[1], "x"));
        Assert.Equal(SvgTestDocument.Number(cells[1], "x"), SvgTestDocument.Number(cells[5], "x"));
    }

    [Fact]
    public void NaN_is_grey_infinities_are_clamped_and_do_not_stretch_the_range()
    {
        double[,] v = { { 0, 1, double.NaN }, { double.PositiveInfinity, double.NegativeInfinity, 0.5 } };
        var cells = SvgTestDocument.Parse(new HeatMapChart(v) { CellTooltips = false }.ToSvg()).WithClass("rect", "cell");
        string Fill(int i) => (string?)cells[i].Attribute("fill") ?? string.Empty;
        var s = ColorScale.Viridis;
        Assert.Equal(s.Map(0).ToString(), Fill(0));
        Assert.Equal(s.Map(1).ToString(), Fill(1));
        Assert.Equal(s.MissingColor.ToString(), Fill(2));
        Assert.Equal(s.Map(1).ToString(), Fill(3));
        Assert.Equal(s.Map(0).ToString(), Fill(4));
        Assert.Equal(s.Map(0.5).ToString(), Fill(5));
        Assert.Null(cells[0].Element(SvgTestDocument.Ns + "title"));
    }

    [Fact]
    public void A_log_scale_colours_by_decades_and_clamps_zero_to_the_bottom()
    {
        double[,] v = { { 1e-6, 1e-4, 1e-2, 1, 0 } };
        var chart = new HeatMapChart(v) { LogScale = true, LogDecades = 4 };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var cells = svg.WithClass("rect", "cell");
        var s = ColorScale.Viridis;
        Assert.Equal(s.Map(0).ToString(), (string?)cells[0].Attribute("fill")); // below the 4-decade floor
        Assert.Equal(s.Map(0).ToString(), (string?)cells[1].Attribute("fill"));
        Assert.Equal(s.Map(0.5).ToString(), (string?)cells[2].Attribute("fill"));
        Assert.Equal(s.Map(1).ToString(), (string?)cells[3].Attribute("fill"));
        Assert.Equal(s.Map(0).ToString(), (string?)cells[4].Attribute("fill"));
        var ticks = svg.WithClass("g", "colorbar-axis").Single().Descendants(SvgTestDocument.Ns + "text").Select(SvgTestDocument.OwnText).ToList();
        Assert.Equal(["1e-4", "0.001", "0.01", "0.1", "1"], ticks);
    }

    [Fact]
    public void A_symmetric_range_gives_zero_the_middle_of_a_diverging_scale()
    {
        double[,] v = { { -1, 0, 3 } };
        var s = ColorScale.BlueWhiteRed;
        var cells = SvgTestDocument.Parse(new HeatMapChart(v) { ColorScale = s, SymmetricColorRange = true }.ToSvg()).WithClass("rect", "cell");
        Assert.Equal([s.Map(1 / 3.0).ToString(), s.Map(0.5).ToString(), s.Map(1).ToString()], cells.Select(c => (string?)c.Attribute("fill")));
        var plain = SvgTestDocument.Parse(new HeatMapChart(v) { ColorScale = s }.ToSvg()).WithClass("rect", "cell");
        Assert.Equal(s.Map(0).ToString(), (string?)plain[0].Attribute("fill"));
    }

    [Fact]
    public void Samples_and_markers_are_overlaid_skipping_non_finite_and_out_of_range_ones()
    {
        var chart = new HeatMapChart(Ramp(10, 10))
        {
            XMin = -2, XMax = 2, YMin = -2, YMax = 2,
            Samples = [new(0, 0), new(1.5, -1.5), new(double.NaN, 0), new(5, 0), new(-1, 1)],
            Markers = [new ChartMarker(0.5, 0.5, "k=1"), new ChartMarker(-1, -1, "<A&B>"), new ChartMarker(9, 9, "outside")],
        };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        Assert.Equal(3, svg.WithClass("circle", "sample").Count);
        var markers = svg.WithClass("g", "marker");
        Assert.Equal(2, markers.Count);
        Assert.All(markers, m => Assert.Equal(4, m.Elements(SvgTestDocument.Ns + "line").Count()));
        var labels = svg.WithClass("text", "marker-label").Select(SvgTestDocument.OwnText).ToList();
        Assert.Equal(["k=1", "<A&B>"], labels);
        Assert.DoesNotContain("outside", svg.VisibleTexts());

        // The marker at the centre of the extent sits at the centre of the cell area.
        var cells = svg.WithClass("rect", "cell");
        double left = SvgTestDocument.Number(cells[0], "x"), right = SvgTestDocument.Number(cells[9], "x") + SvgTestDocument.Number(cells[9], "width");
        var centre = svg.WithClass("circle", "sample")[0];
        Assert.Equal((left + right) / 2, SvgTestDocument.Number(centre, "cx"), 0.02);
    }

    [Fact]
    public void Equal_aspect_keeps_cells_square_for_a_square_extent()
    {
        var cells = SvgTestDocument.Parse(new HeatMapChart(Ramp(5, 5)) { Width = 800, Height = 400 }.ToSvg()).WithClass("rect", "cell");
        var corner = cells[4]; // bottom-right: drawn without the anti-seam overlap
        Assert.Equal(SvgTestDocument.Number(corner, "width"), SvgTestDocument.Number(corner, "height"), 0.02);
    }

    [Fact]
    public void Numbers_are_invariant_under_a_comma_culture()
    {
        using var culture = new CultureScope("de-DE");
        var chart = new HeatMapChart(Ramp(7, 7)) { XMin = -1.5, XMax = 1.5, YMin = -1.5, YMax = 1.5, Samples = [new(0.25, 0.75)], Markers = [new ChartMarker(0.1, 0.1, "k=0")] };
        string markup = chart.ToSvg();
        var svg = SvgTestDocument.Parse(markup);
        svg.AssertInvariantNumbers();
        var ticks = svg.WithClass("text", "tick-label").Select(SvgTestDocument.OwnText).ToList();
        Assert.Contains(ticks, t => t.StartsWith('-'));
        Assert.All(ticks, t => double.Parse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("x -1.286, y -1.286: 0", svg.Elements("title").Select(t => t.Value));
    }

    [Fact]
    public void Empty_or_all_missing_grids_and_bad_extents_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new HeatMapChart(new double[0, 3]));
        Assert.Throws<ArgumentException>(() => new HeatMapChart(new[,] { { double.NaN, double.PositiveInfinity } }));
        Assert.Throws<InvalidOperationException>(() => new HeatMapChart(Ramp(2, 2)) { XMin = 1, XMax = 1 }.ToSvg());
        Assert.Throws<InvalidOperationException>(() => new HeatMapChart(new[,] { { 0.0, -1 } }) { LogScale = true }.ToSvg());
    }

    [Fact]
    public void Crowded_marker_labels_stay_inside_the_plot_and_do_not_overlap()
    {
        // Eight component centres bunched together near the right edge, as a K = 8 flow on a small toy gives.
        var markers = Enumerable.Range(0, 8)
            .Select(k => new ChartMarker(1.9 - (0.05 * (k % 3)), -1.9 + (0.12 * k), "component " + k.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        var svg = SvgTestDocument.Parse(new HeatMapChart(Ramp(10, 10)) { XMin = -2, XMax = 2, YMin = -2, YMax = 2, Markers = markers }.ToSvg());
        var frame = svg.WithClass("rect", "plot-frame").Single();
        double left = SvgTestDocument.Number(frame, "x"), top = SvgTestDocument.Number(frame, "y");
        double right = left + SvgTestDocument.Number(frame, "width"), bottom = top + SvgTestDocument.Number(frame, "height");

        var boxes = svg.WithClass("text", "marker-label").Select(t =>
        {
            string text = SvgTestDocument.OwnText(t);
            double x = SvgTestDocument.Number(t, "x"), baseline = SvgTestDocument.Number(t, "y");
            double size = HeatMapChart.MarkerLabelSize;
            return (Text: text, Left: x, Top: baseline - (size * HeatMapChart.LabelAscent), Right: x + TextMeasure.Width(text, size, bold: true), Bottom: baseline - (size * HeatMapChart.LabelAscent) + (size * HeatMapChart.LabelHeight));
        }).ToList();
        Assert.Equal(8, boxes.Count);
        foreach (var b in boxes)
        {
            Assert.True(b.Left >= left && b.Right <= right && b.Top >= top && b.Bottom <= bottom, $"'{b.Text}' [{b.Left:F1}, {b.Right:F1}] x [{b.Top:F1}, {b.Bottom:F1}] leaves the plot [{left:F1}, {right:F1}] x [{top:F1}, {bottom:F1}]");
        }

        for (int i = 0; i < boxes.Count; i++)
        {
            for (int j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                bool apart = a.Right <= b.Left || b.Right <= a.Left || a.Bottom <= b.Top || b.Bottom <= a.Top;
                Assert.True(apart, $"'{a.Text}' overlaps '{b.Text}'");
            }
        }
    }
}
