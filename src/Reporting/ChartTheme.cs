namespace MLNetMixture.Reporting;

/// <summary>The shared look of the charts: greys, font sizes and text styles.</summary>
internal static class ChartTheme
{
    public static readonly SvgColor Ink = new(0x22, 0x22, 0x22);
    public static readonly SvgColor Muted = new(0x5c, 0x5c, 0x5c);
    public static readonly SvgColor AxisLine = new(0x8a, 0x8a, 0x8a);
    public static readonly SvgColor Grid = new(0xe8, 0xe8, 0xe8);
    public static readonly SvgColor Background = SvgColor.White;

    public const double TitleSize = 15;
    public const double LabelSize = 12.5;
    public const double TickSize = 11;
    public const double TitleBand = 34;
    public const double Pad = 12;

    public static readonly SvgTextStyle Title = new() { FontSize = TitleSize, Bold = true, Fill = Ink, CssClass = "chart-title" };
    public static readonly SvgTextStyle AxisLabel = new() { FontSize = LabelSize, Fill = Ink, Anchor = SvgTextAnchor.Middle, CssClass = "axis-label" };
    public static readonly SvgTextStyle Tick = new() { FontSize = TickSize, Fill = Muted, CssClass = "tick-label" };
    public static readonly SvgStyle AxisStroke = new() { Stroke = AxisLine, StrokeWidth = 1 };
    public static readonly SvgStyle GridStroke = new() { Stroke = Grid, StrokeWidth = 1 };
}
