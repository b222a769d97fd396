using System.Globalization;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class SvgWriterTests
{
    [Fact]
    public void An_empty_drawing_is_an_svg_1_1_root_with_size_and_viewBox()
    {
        var svg = SvgTestDocument.Parse(new SvgWriter(320, 200.5).ToString());
        Assert.Equal("1.1", (string?)svg.Root.Attribute("version"));
        Assert.Equal("320", (string?)svg.Root.Attribute("width"));
        Assert.Equal("200.5", (string?)svg.Root.Attribute("height"));
        Assert.Equal("0 0 320 200.5", (string?)svg.Root.Attribute("viewBox"));
        Assert.Empty(svg.Root.Elements());
    }

    [Fact]
    public void Shapes_are_written_with_their_geometry_and_paint()
    {
        var w = new SvgWriter(100, 100) { Title = "demo" };
        w.Rect(1, 2, 30, 40, SvgStyle.Filled(SvgColor.Parse("#ff0000")) with { CssClass = "box" });
        w.Line(0, 0, 10, 10, SvgStyle.Stroked(SvgColor.Black, 2) with { DashLength = 3 });
        w.Circle(5, 6, 7, new SvgStyle { Fill = SvgColor.White, Stroke = SvgColor.Black, Opacity = 0.5 });
        w.Polyline([new ChartPoint(0, 0), new ChartPoint(1.5, 2), new ChartPoint(3, 1)], SvgStyle.Stroked(SvgColor.Black));
        w.Path(new SvgPathData().MoveTo(0, 0).LineTo(10, 0).LineTo(10, 10).Close(), SvgStyle.Filled(SvgColor.Black));
        var svg = SvgTestDocument.Parse(w.ToString());

        Assert.Equal("demo", svg.Root.Element(SvgTestDocument.Ns + "title")?.Value);
        var rect = Assert.Single(svg.WithClass("rect", "box"));
        Assert.Equal([1.0, 2, 30, 40], new[] { "x", "y", "width", "height" }.Select(a => SvgTestDocument.Number(rect, a)));
        Assert.Equal("#ff0000", (string?)rect.Attribute("fill"));
        var line = Assert.Single(svg.Elements("line"));
        Assert.Equal("3 3", (string?)line.Attribute("stroke-dasharray"));
        Assert.Equal("none", (string?)line.Attribute("fill"));
        var circle = Assert.Single(svg.Elements("circle"));
        Assert.Equal(7, SvgTestDocument.Number(circle, "r"));
        Assert.Equal(0.5, SvgTestDocument.Number(circle, "opacity"));
        Assert.Equal("0,0 1.5,2 3,1", (string?)Assert.Single(svg.Elements("polyline")).Attribute("points"));
        Assert.Equal("M0 0L10 0L10 10Z", (string?)Assert.Single(svg.Elements("path")).Attribute("d"));
    }

    [Fact]
    public void Text_attributes_and_tooltips_are_escaped()
    {
        const string Nasty = "<A&B> \"quoted\" 'single'";
        var w = new SvgWriter(100, 100) { Title = Nasty };
        w.Text(10, 10, Nasty, new SvgTextStyle(), tooltip: Nasty);
        w.Rect(0, 0, 1, 1, SvgStyle.Filled(SvgColor.Black), tooltip: Nasty);
        w.BeginGroup(tooltip: Nasty).EndGroup();
        string markup = w.ToString();
        Assert.DoesNotContain("<A&B>", markup, StringComparison.Ordinal);
        var svg = SvgTestDocument.Parse(markup);
        Assert.Equal(Nasty, SvgTestDocument.OwnText(Assert.Single(svg.Elements("text"))));
        Assert.Equal(4, svg.Elements("title").Count(t => t.Value == Nasty));
    }

    [Fact]
    public void Characters_that_XML_forbids_are_replaced_and_surrogate_pairs_kept()
    {
        var w = new SvgWriter(100, 100);
        w.Text(0, 10, "a\u0001b\uD800c \U0001F600", new SvgTextStyle());
        var svg = SvgTestDocument.Parse(w.ToString());
        Assert.Equal("a\uFFFDb\uFFFDc \U0001F600", svg.VisibleTexts().Single());
    }

    [Fact]
    public void Numbers_are_invariant_with_at_most_two_decimals_under_a_comma_culture()
    {
        using var culture = new CultureScope("de-DE");
        Assert.Equal(",", CultureInfo.CurrentCulture.NumberFormat.NumberDecimalSeparator);
        var w = new SvgWriter(100.25, 50);
        w.Rect(1.23456, -0.001, 1234567.891, 0.005, SvgStyle.Filled(SvgColor.Black));
        w.Polyline([new ChartPoint(0.5, 1.25), new ChartPoint(2.125, 3)], SvgStyle.Stroked(SvgColor.Black, 1.5));
        string markup = w.ToString();
        var svg = SvgTestDocument.Parse(markup);
        svg.AssertInvariantNumbers();
        var rect = Assert.Single(svg.Elements("rect"));
        Assert.Equal("1.23", (string?)rect.Attribute("x"));
        Assert.Equal("0", (string?)rect.Attribute("y")); // never "-0"
        Assert.Equal("1234567.89", (string?)rect.Attribute("width"));
        Assert.Equal("0.01", (string?)rect.Attribute("height"));
        Assert.Equal("0.5,1.25 2.13,3", (string?)Assert.Single(svg.Elements("polyline")).Attribute("points"));
        Assert.Contains("viewBox=\"0 0 100.25 50\"", markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_numbers_throw_and_leave_no_partial_element_behind()
    {
        var w = new SvgWriter(100, 100);
        w.Rect(0, 0, 10, 10, SvgStyle.Filled(SvgColor.Black));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Rect(double.NaN, 0, 10, 10, SvgStyle.Filled(SvgColor.Black)));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Circle(0, 0, double.PositiveInfinity, SvgStyle.Filled(SvgColor.Black)));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Polyline([new ChartPoint(0, 0), new ChartPoint(double.NaN, 1)], SvgStyle.Stroked(SvgColor.Black)));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Text(double.NegativeInfinity, 0, "x", new SvgTextStyle()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgPathData().MoveTo(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgWriter(0, 10));
        var svg = SvgTestDocument.Parse(w.ToString());
        Assert.Single(svg.Root.Elements());
    }

    [Fact]
    public void Groups_nest_with_transforms_and_must_be_balanced()
    {
        var w = new SvgWriter(100, 100);
        w.BeginGroup(10, 20.5, rotateDegrees: 45, scale: 2, cssClass: "outer");
        w.BeginGroup(cssClass: "inner").Circle(0, 0, 1, SvgStyle.Filled(SvgColor.Black)).EndGroup();
        Assert.Throws<InvalidOperationException>(() => w.ToString());
        w.EndGroup();
        Assert.Throws<InvalidOperationException>(() => w.EndGroup());
        var svg = SvgTestDocument.Parse(w.ToString());
        var outer = Assert.Single(svg.WithClass("g", "outer"));
        Assert.Equal("translate(10 20.5) rotate(45) scale(2)", (string?)outer.Attribute("transform"));
        var inner = Assert.Single(svg.WithClass("g", "inner"));
        Assert.Null(inner.Attribute("transform"));
        Assert.Equal(outer, inner.Parent);
        Assert.Single(inner.Elements(SvgTestDocument.Ns + "circle"));
    }

    [Fact]
    public void Haloed_text_draws_its_outline_first_and_rotated_text_turns_about_its_anchor()
    {
        var w = new SvgWriter(100, 100);
        w.Text(10, 20, "k=3", new SvgTextStyle { Halo = SvgColor.Black, Fill = SvgColor.White, Rotation = -90, Anchor = SvgTextAnchor.Middle });
        var texts = SvgTestDocument.Parse(w.ToString()).Elements("text").ToList();
        Assert.Equal(2, texts.Count);
        Assert.True(SvgTestDocument.HasClass(texts[0], "halo"));
        Assert.Equal("#000000", (string?)texts[0].Attribute("stroke"));
        Assert.Equal("#ffffff", (string?)texts[1].Attribute("fill"));
        Assert.All(texts, t => Assert.Equal("rotate(-90 10 20)", (string?)t.Attribute("transform")));
        Assert.All(texts, t => Assert.Equal("middle", (string?)t.Attribute("text-anchor")));
    }

    [Fact]
    public void Invalid_class_names_and_empty_shapes_are_rejected()
    {
        var w = new SvgWriter(100, 100);
        Assert.Throws<ArgumentException>(() => w.Rect(0, 0, 1, 1, new SvgStyle { CssClass = "a\" onload=\"x" }));
        Assert.Throws<ArgumentException>(() => w.BeginGroup(cssClass: "<g>"));
        Assert.Throws<ArgumentException>(() => w.Polyline([], SvgStyle.Stroked(SvgColor.Black)));
        Assert.Throws<ArgumentException>(() => w.Path(new SvgPathData(), SvgStyle.Stroked(SvgColor.Black)));
        Assert.Throws<InvalidOperationException>(() => new SvgPathData().LineTo(1, 1));
        Assert.Empty(SvgTestDocument.Parse(w.ToString()).Root.Elements());
    }
}
