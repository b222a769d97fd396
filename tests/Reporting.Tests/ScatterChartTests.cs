using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class ScatterChartTests
{
    [Fact]
    public void Each_finite_point_is_a_dot_coloured_by_its_category_with_a_legend()
    {
        var points = ChartPoint.FromColumns([0, 1, 2, double.NaN, 4], [0, 1, 4, 9, double.PositiveInfinity]);
        var chart = new ScatterChart(points, [0, 2, 2, 1, 1]) { CategoryNames = ["<first>", "second", "third"], XLabel = "x", YLabel = "y" };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        var dots = svg.WithClass("circle", "point");
        Assert.Equal(3, dots.Count);
        Assert.Equal([CategoricalPalette.Get(0).ToString(), CategoricalPalette.Get(2).ToString(), CategoricalPalette.Get(2).ToString()], dots.Select(d => (string?)d.Attribute("fill")));

        // Only categories that have a drawable point are listed.
        var legend = svg.WithClass("text", "legend-label").Select(SvgTestDocument.OwnText).ToList();
        Assert.Equal(["<first>", "third"], legend);

        // Higher y is drawn higher up; x increases to the right.
        Assert.True(SvgTestDocument.Number(dots[2], "cy") < SvgTestDocument.Number(dots[1], "cy"));
        Assert.True(SvgTestDocument.Number(dots[2], "cx") > SvgTestDocument.Number(dots[1], "cx"));
    }

    [Fact]
    public void Without_categories_there_is_one_colour_and_no_legend()
    {
        var svg = SvgTestDocument.Parse(new ScatterChart([new(1, 1), new(2, 3)]).ToSvg());
        Assert.Single(svg.WithClass("circle", "point").Select(d => (string?)d.Attribute("fill")).Distinct());
        Assert.Empty(svg.WithClass("g", "legend-entry"));
    }

    [Fact]
    public void Equal_aspect_gives_both_axes_the_same_scale()
    {
        var chart = new ScatterChart([new(0, 0), new(10, 0), new(0, 5)]) { EqualAspect = true, Width = 600, Height = 400 };
        var dots = SvgTestDocument.Parse(chart.ToSvg()).WithClass("circle", "point");
        double xPerUnit = (SvgTestDocument.Number(dots[1], "cx") - SvgTestDocument.Number(dots[0], "cx")) / 10;
        double yPerUnit = (SvgTestDocument.Number(dots[0], "cy") - SvgTestDocument.Number(dots[2], "cy")) / 5;
        Assert.Equal(xPerUnit, yPerUnit, 0.01);
    }

    [Fact]
    public void Empty_all_missing_and_mismatched_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ScatterChart([]));
        Assert.Throws<ArgumentException>(() => new ScatterChart([new(double.NaN, 1)]));
        Assert.Throws<ArgumentException>(() => new ScatterChart([new(1, 1)], [0, 1]));
        Assert.Throws<ArgumentException>(() => new ScatterChart([new(1, 1)], [-1]));
        Assert.Throws<ArgumentException>(() => ChartPoint.FromColumns([1.0], [1.0, 2.0]));
    }
}
