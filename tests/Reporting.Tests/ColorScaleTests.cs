using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class ColorScaleTests
{
    [Theory]
    [InlineData("#1f77b4", 0x1f, 0x77, 0xb4)]
    [InlineData("FFFFFF", 255, 255, 255)]
    public void Colours_parse_and_print_as_hex(string text, int r, int g, int b)
    {
        var c = SvgColor.Parse(text);
        Assert.Equal(new SvgColor((byte)r, (byte)g, (byte)b), c);
        Assert.Equal("#" + text.TrimStart('#').ToLowerInvariant(), c.ToString());
    }

    [Theory]
    [InlineData("#12345")]
    [InlineData("#gggggg")]
    [InlineData("")]
    public void Malformed_colours_are_rejected(string text) => Assert.Throws<FormatException>(() => SvgColor.Parse(text));

    [Theory]
    [MemberData(nameof(SequentialScales))]
    public void Sequential_scales_change_lightness_monotonically_end_to_end(string name, bool darkToLight)
    {
        var scale = name == "viridis" ? ColorScale.Viridis : ColorScale.Blues;
        Assert.Equal(scale.Stops[0], scale.Map(0));
        Assert.Equal(scale.Stops[^1], scale.Map(1));
        double previous = darkToLight ? -1 : 2;
        for (int i = 0; i <= 100; i++)
        {
            double l = scale.Map(i / 100.0).RelativeLuminance;
            Assert.True(darkToLight ? l >= previous : l <= previous, $"{name}: luminance not monotone at {i / 100.0}");
            previous = l;
        }

        double span = Math.Abs(scale.Map(1).RelativeLuminance - scale.Map(0).RelativeLuminance);
        Assert.True(span > 0.6, $"{name} spans too little lightness ({span:0.00})");
    }

    public static TheoryData<string, bool> SequentialScales() => new() { { "viridis", true }, { "blues", false } };

    [Fact]
    public void Positions_are_clamped_and_NaN_is_the_missing_colour()
    {
        var s = ColorScale.Viridis;
        Assert.Equal(s.Map(0), s.Map(-3));
        Assert.Equal(s.Map(1), s.Map(7));
        Assert.Equal(s.MissingColor, s.Map(double.NaN));
        Assert.Equal(s.Map(0.25), s.Map(15, 10, 30));
        Assert.Equal(s.Map(1), s.Map(double.PositiveInfinity, 0, 1));
        Assert.Equal(s.Map(0), s.Map(double.NegativeInfinity, 0, 1));
        Assert.Equal(s.Map(0.5), s.Map(4, 4, 4));
        Assert.NotEqual(s.MissingColor, s.Map(0));
    }

    [Fact]
    public void The_diverging_scale_is_light_in_the_middle_and_dark_at_both_ends()
    {
        var s = ColorScale.BlueWhiteRed;
        Assert.True(s.Map(0.5).RelativeLuminance > 0.85);
        Assert.True(s.Map(0).RelativeLuminance < 0.15);
        Assert.True(s.Map(1).RelativeLuminance < 0.15);
        Assert.True(s.Map(0).B > s.Map(0).R);
        Assert.True(s.Map(1).R > s.Map(1).B);
    }

    [Fact]
    public void Contrasting_text_is_white_on_dark_and_dark_on_light()
    {
        Assert.Equal(SvgColor.White, ColorScale.Viridis.Map(0).ContrastingText);
        Assert.NotEqual(SvgColor.White, ColorScale.Viridis.Map(1).ContrastingText);
        Assert.NotEqual(SvgColor.White, ColorScale.Blues.Map(0).ContrastingText);
        Assert.Equal(SvgColor.White, ColorScale.Blues.Map(1).ContrastingText);
    }

    [Fact]
    public void The_categorical_palette_has_distinct_colours_and_wraps()
    {
        var colours = Enumerable.Range(0, CategoricalPalette.Count).Select(CategoricalPalette.Get).ToList();
        Assert.Equal(colours.Count, colours.Distinct().Count());
        Assert.Equal(CategoricalPalette.Get(1), CategoricalPalette.Get(1 + CategoricalPalette.Count));
        Assert.All(colours, c => Assert.True(c.RelativeLuminance < 0.6, $"{c} is too light to read on white"));
        Assert.Throws<ArgumentOutOfRangeException>(() => CategoricalPalette.Get(-1));
    }

    [Fact]
    public void A_scale_needs_two_stops() =>
        Assert.Throws<ArgumentException>(() => new ColorScale("one", [SvgColor.Black], SvgColor.White));
}
