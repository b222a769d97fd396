using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class BarChartTests
{
    private static readonly string[] Experts = ["expert 0", "expert 1", "expert 2", "expert 3"];

    [Fact]
    public void There_is_one_bar_per_value_with_height_proportional_to_it_and_a_value_label()
    {
        double[] share = [0.4, 0.1, 0.2, 0.3];
        var svg = SvgTestDocument.Parse(new BarChart(Experts, share) { ValueFormat = "0.0%", YLabel = "share of rows" }.ToSvg());
        var bars = svg.WithClass("rect", "bar");
        Assert.Equal(4, bars.Count);
        var heights = bars.Select(b => SvgTestDocument.Number(b, "height")).ToList();
        double perUnit = heights[0] / share[0];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(share[i] * perUnit, heights[i], 0.05);
        }

        // All bars stand on the same baseline, left to right in input order.
        var bottoms = bars.Select(b => SvgTestDocument.Number(b, "y") + SvgTestDocument.Number(b, "height")).ToList();
        Assert.All(bottoms, b => Assert.Equal(bottoms[0], b, 0.02));
        var xs = bars.Select(b => SvgTestDocument.Number(b, "x")).ToList();
        Assert.Equal(xs.Order(), xs);

        Assert.Equal(["40.0%", "10.0%", "20.0%", "30.0%"], svg.WithClass("text", "value-label").Select(SvgTestDocument.OwnText));
        Assert.Equal("expert 1: 10.0%", bars[1].Element(SvgTestDocument.Ns + "title")?.Value);
        Assert.All(Experts, e => Assert.Contains(e, svg.VisibleTexts()));
    }

    [Fact]
    public void Value_labels_use_the_invariant_culture_under_a_comma_culture()
    {
        using var culture = new CultureScope("de-DE");
        var svg = SvgTestDocument.Parse(new BarChart(["a", "b"], [0.25, 0.5]) { ValueFormat = "0.00" }.ToSvg());
        Assert.Equal(["0.25", "0.50"], svg.WithClass("text", "value-label").Select(SvgTestDocument.OwnText));
        svg.AssertInvariantNumbers();
    }

    [Fact]
    public void Non_finite_values_get_no_bar_and_an_n_a_label()
    {
        var svg = SvgTestDocument.Parse(new BarChart(Experts, [0.9, double.NaN, double.PositiveInfinity, 0.8]).ToSvg());
        Assert.Equal(2, svg.WithClass("rect", "bar").Count);
        Assert.Equal(["0.9", "n/a", "n/a", "0.8"], svg.WithClass("text", "value-label").Select(SvgTestDocument.OwnText));
    }

    [Fact]
    public void YMax_fixes_the_top_of_the_axis_and_a_reference_line_is_labelled()
    {
        var chart = new BarChart(Experts, [0.5, 0.6, 0.7, 0.8]) { YMax = 1, ReferenceValue = 0.25, ReferenceLabel = "uniform 1/4", ColorByCategory = true };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var ticks = svg.WithClass("text", "tick-label").Select(SvgTestDocument.OwnText).ToList();
        Assert.Equal("1.0", ticks[^1]);
        Assert.Contains("uniform 1/4", svg.VisibleTexts());
        var fills = svg.WithClass("rect", "bar").Select(b => (string?)b.Attribute("fill")).ToList();
        Assert.Equal(4, fills.Distinct().Count());
        Assert.Single(svg.WithClass("g", "reference"));

        // The line is drawn over the bars but under the value labels.
        var order = svg.Root.Descendants().ToList();
        int reference = order.IndexOf(svg.WithClass("g", "reference").Single());
        Assert.True(order.IndexOf(svg.WithClass("rect", "bar")[^1]) < reference);
        Assert.True(order.IndexOf(svg.WithClass("text", "value-label")[0]) > reference);
    }

    [Fact]
    public void Negative_values_hang_below_the_zero_line()
    {
        var svg = SvgTestDocument.Parse(new BarChart(["up", "down"], [2, -1]).ToSvg());
        var bars = svg.WithClass("rect", "bar");
        double zeroFromUp = SvgTestDocument.Number(bars[0], "y") + SvgTestDocument.Number(bars[0], "height");
        Assert.Equal(zeroFromUp, SvgTestDocument.Number(bars[1], "y"), 0.02);
        Assert.Equal(SvgTestDocument.Number(bars[0], "height") / 2, SvgTestDocument.Number(bars[1], "height"), 0.05);
    }

    [Fact]
    public void Long_category_names_are_slanted_and_escaped()
    {
        string[] labels = [.. Enumerable.Range(0, 12).Select(i => $"<a very long expert name & {i}>")];
        var svg = SvgTestDocument.Parse(new BarChart(labels, [.. Enumerable.Range(1, 12).Select(i => (double)i)]).ToSvg());
        var names = svg.Elements("text").Where(t => SvgTestDocument.OwnText(t).StartsWith("<a very long", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, names.Count);
        Assert.All(names, t => Assert.StartsWith("rotate(-40", (string?)t.Attribute("transform"), StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_and_mismatched_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BarChart([], []));
        Assert.Throws<ArgumentException>(() => new BarChart(["a", "b"], [1.0]));
    }
}
