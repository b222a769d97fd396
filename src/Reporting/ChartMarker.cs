namespace MLNetMixture.Reporting;

/// <summary>A labelled point drawn over a chart (for example a mixture component's mean, labelled "k=3").</summary>
/// <param name="X">The horizontal data coordinate.</param>
/// <param name="Y">The vertical data coordinate.</param>
/// <param name="Label">The text written beside the marker (may be empty).</param>
public sealed record ChartMarker(double X, double Y, string Label);
