namespace MLNetMixture.Reporting;

/// <summary>How a shape is painted: fill, outline, opacity and an optional CSS class.</summary>
public sealed record SvgStyle
{
    /// <summary>The fill colour, or null for no fill.</summary>
    public SvgColor? Fill { get; init; }

    /// <summary>The outline colour, or null for no outline.</summary>
    public SvgColor? Stroke { get; init; }

    /// <summary>The outline width in user units (used only with a <see cref="Stroke"/>).</summary>
    public double StrokeWidth { get; init; } = 1;

    /// <summary>The dash length in user units (dashes and gaps of this length), or 0 for a solid outline.</summary>
    public double DashLength { get; init; }

    /// <summary>The opacity of the whole shape, 0 to 1.</summary>
    public double Opacity { get; init; } = 1;

    /// <summary>A CSS class name written on the element (letters, digits, '-' and '_'), or null.</summary>
    public string? CssClass { get; init; }

    /// <summary>A filled shape without outline.</summary>
    /// <param name="fill">The fill colour.</param>
    /// <returns>The style.</returns>
    public static SvgStyle Filled(SvgColor fill) => new() { Fill = fill };

    /// <summary>An outline without fill.</summary>
    /// <param name="stroke">The outline colour.</param>
    /// <param name="width">The outline width.</param>
    /// <returns>The style.</returns>
    public static SvgStyle Stroked(SvgColor stroke, double width = 1) => new() { Stroke = stroke, StrokeWidth = width };
}
