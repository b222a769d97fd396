namespace MLNetMixture.Reporting;

/// <summary>Which point of a text line its x coordinate names.</summary>
public enum SvgTextAnchor
{
    /// <summary>The start (left end) of the line.</summary>
    Start,

    /// <summary>The middle of the line.</summary>
    Middle,

    /// <summary>The end (right end) of the line.</summary>
    End,
}
