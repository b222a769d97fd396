namespace MLNetMixture.Reporting;

/// <summary>Which height of a text line its y coordinate names.</summary>
public enum SvgTextBaseline
{
    /// <summary>The alphabetic baseline (the bottom of letters without descenders).</summary>
    Alphabetic,

    /// <summary>The vertical middle of the digits and capitals.</summary>
    Middle,

    /// <summary>The top of the capitals.</summary>
    Top,
}
