namespace MLNetMixture.Reporting;

/// <summary>Maps a data interval onto a pixel interval, linearly or by log10, and carries the axis's ticks and their labels.</summary>
internal sealed class AxisScale
{
    private readonly double _d0, _d1;

    private AxisScale(double domainMin, double domainMax, double rangeStart, double rangeEnd, bool log, IReadOnlyList<double> ticks, Func<double, string> format)
    {
        IsLog = log;
        DomainMin = domainMin;
        DomainMax = domainMax;
        RangeStart = rangeStart;
        RangeEnd = rangeEnd;
        _d0 = log ? Math.Log10(domainMin) : domainMin;
        _d1 = log ? Math.Log10(domainMax) : domainMax;
        Ticks = ticks;
        Format = format;
    }

    public bool IsLog { get; }

    public double DomainMin { get; }

    public double DomainMax { get; }

    public double RangeStart { get; }

    public double RangeEnd { get; }

    public IReadOnlyList<double> Ticks { get; }

    public Func<double, string> Format { get; }

    /// <summary>A linear axis whose domain is widened to nice tick multiples.</summary>
    public static AxisScale NiceLinear(double min, double max, double rangeStart, double rangeEnd, int tickTarget, bool integersOnly = false)
    {
        var (lo, hi, step) = AxisTicks.NiceDomain(min, max, tickTarget, integersOnly);
        var (ticks, _) = AxisTicks.Within(lo, hi, tickTarget, integersOnly);
        return new AxisScale(lo, hi, rangeStart, rangeEnd, false, ticks, v => AxisTicks.Format(v, step));
    }

    /// <summary>A linear axis over exactly [min, max] (a degenerate range is widened), ticks inside it.</summary>
    public static AxisScale ExactLinear(double min, double max, double rangeStart, double rangeEnd, int tickTarget, bool integersOnly = false)
    {
        if (!(max > min))
        {
            double pad = integersOnly ? 1 : min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }

        var (ticks, step) = AxisTicks.Within(min, max, tickTarget, integersOnly);
        return new AxisScale(min, max, rangeStart, rangeEnd, false, ticks, v => AxisTicks.Format(v, step));
    }

    /// <summary>A log10 axis over [min, max] (both positive), padded by a small fraction of its decades.</summary>
    public static AxisScale Log(double min, double max, double rangeStart, double rangeEnd, double padFraction = 0.04)
    {
        if (!(max > min))
        {
            (min, max) = (min / 2, max * 2);
        }

        double decades = Math.Log10(max / min);
        double pad = Math.Pow(10, decades * padFraction);
        (min, max) = (min / pad, max * pad);
        return new AxisScale(min, max, rangeStart, rangeEnd, true, AxisTicks.Log(min, max), AxisTicks.FormatLog);
    }

    /// <summary>The same domain, ticks and labels over another pixel range.</summary>
    public AxisScale WithRange(double rangeStart, double rangeEnd) => new(DomainMin, DomainMax, rangeStart, rangeEnd, IsLog, Ticks, Format);

    /// <summary>The pixel position of a value (values outside the domain map outside the range; use <see cref="Contains"/> first).</summary>
    public double Map(double value)
    {
        double v = IsLog ? Math.Log10(value) : value;
        return RangeStart + ((v - _d0) / (_d1 - _d0) * (RangeEnd - RangeStart));
    }

    /// <summary>Whether a value can be placed on this axis (finite, positive on a log axis, inside the domain up to rounding).</summary>
    public bool Contains(double value)
    {
        if (!double.IsFinite(value) || (IsLog && value <= 0))
        {
            return false;
        }

        double tolerance = (DomainMax - DomainMin) * 1e-9;
        return value >= DomainMin - tolerance && value <= DomainMax + tolerance;
    }
}
