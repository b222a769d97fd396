namespace MLNetMixture.Reporting;

/// <summary>How a line of text is drawn.</summary>
public sealed record SvgTextStyle
{
    /// <summary>The font size in user units.</summary>
    public double FontSize { get; init; } = 12;

    /// <summary>The text colour.</summary>
    public SvgColor Fill { get; init; } = new(0x33, 0x33, 0x33);

    /// <summary>Which point of the line the x coordinate names.</summary>
    public SvgTextAnchor Anchor { get; init; } = SvgTextAnchor.Start;

    /// <summary>Which height of the line the y coordinate names.</summary>
    public SvgTextBaseline Baseline { get; init; } = SvgTextBaseline.Alphabetic;

    /// <summary>Whether the text is bold.</summary>
    public bool Bold { get; init; }

    /// <summary>A rotation in degrees (clockwise) about the anchor point.</summary>
    public double Rotation { get; init; }

    /// <summary>
    /// A colour drawn as an outline behind the letters so they stay readable over busy backgrounds, or null.
    /// The outline is a second text element, with class <c>halo</c>, drawn first.
    /// </summary>
    public SvgColor? Halo { get; init; }

    /// <summary>A CSS class name written on the element (letters, digits, '-' and '_'), or null.</summary>
    public string? CssClass { get; init; }
}
