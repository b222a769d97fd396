using System.Globalization;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class LineChartTests
{
    private static readonly double[] Train = [3.0, 2.5, 2.1, 1.8, 1.6, 1.5, 1.45, 1.4, 1.38, 1.37];

    [Fact]
    public void Each_non_empty_series_is_one_polyline_through_its_present_points_and_every_series_has_a_legend_entry()
    {
        double?[] validation = [null, null, 2.6, null, null, 1.9, null, null, 1.7, null];
        var chart = new LineChart(
        [
            new LineSeries("train", Train),
            new LineSeries("validation", validation) { Dashed = true },
            new LineSeries("never evaluated", new double?[10]),
        ])
        { Title = "NLL", XLabel = "epoch", YLabel = "nats" };
        var svg = SvgTestDocument.Parse(chart.ToSvg());

        var lines = svg.WithClass("polyline", "series");
        Assert.Equal(2, lines.Count);
        Assert.Equal(10, Points(lines[0]).Count);
        Assert.Equal(3, Points(lines[1]).Count);
        Assert.NotNull(lines[1].Attribute("stroke-dasharray"));
        Assert.Null(lines[0].Attribute("stroke-dasharray"));
        Assert.NotEqual((string?)lines[0].Attribute("stroke"), (string?)lines[1].Attribute("stroke"));

        var legend = svg.WithClass("g", "legend-entry");
        Assert.Equal(["train", "validation", "never evaluated"], legend.Select(e => SvgTestDocument.OwnText(e.Descendants(SvgTestDocument.Ns + "text").Single())));
        Assert.Contains("epoch", svg.VisibleTexts());
        Assert.Contains("nats", svg.VisibleTexts());
        Assert.Contains("NLL", svg.VisibleTexts());
    }

    [Fact]
    public void Points_are_placed_left_to_right_and_higher_values_higher_up()
    {
        var svg = SvgTestDocument.Parse(new LineChart([new LineSeries("train", Train)]).ToSvg());
        var p = Points(Assert.Single(svg.WithClass("polyline", "series")));
        for (int i = 1; i < p.Count; i++)
        {
            Assert.True(p[i].X > p[i - 1].X);
            Assert.True(p[i].Y > p[i - 1].Y, "a lower loss must be drawn lower (larger SVG y)");
        }

        // Pixel distances are proportional to value differences on a linear axis.
        double perUnit = (p[1].Y - p[0].Y) / (Train[0] - Train[1]);
        Assert.Equal(perUnit, (p[9].Y - p[0].Y) / (Train[0] - Train[9]), 1);
    }

    [Fact]
    public void NaN_and_infinite_values_are_skipped_and_the_line_joins_the_rest()
    {
        var svg = SvgTestDocument.Parse(new LineChart([new LineSeries("x", [1, double.NaN, 3, double.PositiveInfinity, 5])]).ToSvg());
        Assert.Equal(3, Points(Assert.Single(svg.WithClass("polyline", "series"))).Count);
        svg.AssertInvariantNumbers();
    }

    [Fact]
    public void A_log_axis_skips_non_positive_values_and_spaces_decades_evenly()
    {
        var chart = new LineChart([new LineSeries("grad", [100, 10, 1, 0, -1, 0.1])]) { LogY = true };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var p = Points(Assert.Single(svg.WithClass("polyline", "series")));
        Assert.Equal(4, p.Count);
        Assert.Equal(p[1].Y - p[0].Y, p[2].Y - p[1].Y, 1);
        Assert.Equal(p[2].Y - p[1].Y, p[3].Y - p[2].Y, 1);
        Assert.Contains("10", svg.VisibleTexts());
        Assert.Contains("0.1", svg.VisibleTexts());
    }

    [Fact]
    public void Explicit_x_values_are_used_and_short_series_get_hoverable_dots()
    {
        var chart = new LineChart([new LineSeries("val", new double?[] { 2, 1.5, 1.2 }, [5, 10, 15])]);
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var dots = svg.Elements("circle").ToList();
        Assert.Equal(3, dots.Count);
        Assert.Equal("val: x = 10, y = 1.5", dots[1].Element(SvgTestDocument.Ns + "title")?.Value);
        Assert.Contains("10", svg.VisibleTexts());
    }

    [Fact]
    public void A_wrapping_legend_stays_above_the_plot()
    {
        var series = Enumerable.Range(0, 7).Select(k => new LineSeries($"expert {k} gate probability", [1.0 + k, 2, 3 * k])).ToList();
        var svg = SvgTestDocument.Parse(new LineChart(series) { Width = 480, Height = 360 }.ToSvg());
        var labels = svg.WithClass("text", "legend-label");
        Assert.Equal(7, labels.Count);
        Assert.True(labels.Select(l => SvgTestDocument.Number(l, "y")).Distinct().Count() > 1, "seven long names should wrap onto several rows");
        double legendBottom = labels.Max(l => SvgTestDocument.Number(l, "y")) + 8;
        double plotTop = svg.WithClass("g", "y-axis").Single().Elements(SvgTestDocument.Ns + "line").Min(l => Math.Min(SvgTestDocument.Number(l, "y1"), SvgTestDocument.Number(l, "y2")));
        Assert.True(legendBottom < plotTop, $"legend reaches {legendBottom}, plot starts at {plotTop}");
    }

    [Fact]
    public void Labels_are_escaped()
    {
        var chart = new LineChart([new LineSeries("<A&B>", Train)]) { Title = "<T>", XLabel = "x & y", YLabel = "\"q\"" };
        string markup = chart.ToSvg();
        var texts = SvgTestDocument.Parse(markup).VisibleTexts();
        Assert.Contains("<A&B>", texts);
        Assert.Contains("<T>", texts);
        Assert.Contains("x & y", texts);
        Assert.Contains("\"q\"", texts);
    }

    [Fact]
    public void Numbers_and_tick_labels_are_invariant_under_a_comma_culture()
    {
        using var culture = new CultureScope("de-DE");
        var svg = SvgTestDocument.Parse(new LineChart([new LineSeries("train", Train)]).ToSvg());
        svg.AssertInvariantNumbers();
        var ticks = svg.WithClass("text", "tick-label").Select(SvgTestDocument.OwnText).ToList();
        Assert.Contains(ticks, t => t.Contains('.', StringComparison.Ordinal));
        Assert.All(ticks, t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Empty_and_inconsistent_inputs_are_rejected_with_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new LineChart([]));
        Assert.Throws<ArgumentException>(() => new LineChart([new LineSeries("a", Array.Empty<double>())]));
        Assert.Throws<ArgumentException>(() => new LineChart([new LineSeries("a", [double.NaN, double.NaN])]));
        Assert.Throws<ArgumentException>(() => new LineSeries("a", [1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => new LineSeries("a", [1.0, 2.0], [1.0, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineChart([new LineSeries("a", Train)]) { Width = 10 });
        Assert.Throws<InvalidOperationException>(() => new LineChart([new LineSeries("a", [-1.0, 0])]) { LogY = true }.ToSvg());
    }

    private static List<ChartPoint> Points(System.Xml.Linq.XElement polyline) =>
        [.. polyline.Attribute("points")!.Value.Split(' ').Select(pair =>
        {
            string[] xy = pair.Split(',');
            return new ChartPoint(double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture));
        })];
}
