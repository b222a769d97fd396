namespace MLNetMixture.Reporting;

/// <summary>One legend item: a swatch (a line sample or a filled square/dot) and a name.</summary>
internal sealed record LegendEntry(string Name, SvgColor Color, bool AsLine, double DashLength = 0);
