using System.Globalization;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class MixtureOfExpertsReportTests
{
    [Fact]
    public void The_utilisation_axis_is_scaled_to_the_shares_not_fixed_at_one()
    {
        double[] shares = [0.18, 0.11, 0.16, 0.09, 0.14, 0.12, 0.1, 0.1];
        var svg = SvgTestDocument.Parse(MixtureOfExpertsReport.UtilisationChart(shares).ToSvg());
        var ticks = svg.WithClass("text", "tick-label")
            .Select(SvgTestDocument.OwnText)
            .Select(t => double.Parse(t.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture) / (t.EndsWith('%') ? 100 : 1))
            .ToList();
        Assert.NotEmpty(ticks);
        Assert.True(ticks.Max() >= 0.18, $"top tick {ticks.Max()} is below the tallest bar");
        Assert.True(ticks.Max() < 0.5, $"top tick {ticks.Max()}: bars of at most 0.18 squeezed under a fixed axis");
    }
}
