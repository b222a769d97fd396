using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class AxisTicksTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.3, 2.7)]
    [InlineData(-13.0, 87.0)]
    [InlineData(1e-5, 3e-5)]
    [InlineData(1200.0, 98000.0)]
    [InlineData(-2.5, -2.4)]
    public void Nice_domains_cover_the_data_with_1_2_5_steps(double min, double max)
    {
        var (lo, hi, step) = AxisTicks.NiceDomain(min, max, 5);
        Assert.True(lo <= min && hi >= max, $"[{lo}, {hi}] does not cover [{min}, {max}]");
        double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-12));
        Assert.Contains(Math.Round(mantissa, 9), new[] { 1.0, 2.0, 5.0 });
        var (ticks, _) = AxisTicks.Within(lo, hi, 5);
        Assert.InRange(ticks.Length, 3, 12);
        Assert.Equal(lo, ticks[0], 12);
        Assert.Equal(hi, ticks[^1], 12);
    }

    [Fact]
    public void Ticks_are_free_of_floating_point_noise_in_value_and_label()
    {
        var (ticks, step) = AxisTicks.Within(0, 1, 10);
        Assert.Equal(0.3, ticks[3]);
        Assert.Equal(["0", "0.1", "0.2", "0.3"], ticks.Take(4).Select(t => AxisTicks.Format(t, step)));
    }

    [Fact]
    public void Integer_axes_never_get_fractional_ticks()
    {
        var (ticks, step) = AxisTicks.Within(1, 3, 8, integersOnly: true);
        Assert.Equal([1.0, 2, 3], ticks);
        Assert.Equal(1, step);
    }

    [Fact]
    public void Log_ticks_are_decades_over_wide_ranges_and_1_2_5_over_narrow_ones()
    {
        Assert.Equal([1e-4, 1e-3, 1e-2, 1e-1, 1], AxisTicks.Log(5e-5, 2));
        Assert.Equal([0.05, 0.1, 0.2, 0.5, 1, 2, 5], AxisTicks.Log(0.05, 8));
        Assert.Equal([0.2, 0.5, 1, 2, 5], AxisTicks.Log(0.12, 8));
        Assert.True(AxisTicks.Log(1e-30, 1).Length <= 8);
        Assert.Equal(["0.001", "100", "1e-5", "2e6"], new[] { 1e-3, 100, 1e-5, 2e6 }.Select(AxisTicks.FormatLog));
    }

    [Fact]
    public void Compact_labels_use_four_significant_digits_and_name_non_finite_values()
    {
        Assert.Equal("3.142", AxisTicks.Compact(Math.PI));
        Assert.Equal("1235", AxisTicks.Compact(1234.5678));
        Assert.Equal("-0.01235", AxisTicks.Compact(-0.012346));
        Assert.Equal("n/a", AxisTicks.Compact(double.NaN));
        Assert.Equal("+inf", AxisTicks.Compact(double.PositiveInfinity));
        Assert.Equal("1.5e-7", AxisTicks.Compact(1.5e-7));
    }
}
