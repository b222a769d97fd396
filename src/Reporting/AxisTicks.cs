using System.Globalization;

namespace MLNetMixture.Reporting;

/// <summary>"Nice" axis ticks: steps of 1, 2 or 5 times a power of ten on linear axes; decades (or 1-2-5 within a decade) on log axes.</summary>
internal static class AxisTicks
{
    /// <summary>A step of 1, 2 or 5 x 10^k close to <paramref name="span"/> / <paramref name="target"/>.</summary>
    public static double NiceStep(double span, int target, bool integersOnly = false)
    {
        if (!(span > 0) || !double.IsFinite(span))
        {
            return 1;
        }

        double raw = span / Math.Max(1, target);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double nice = normalized < 1.5 ? 1 : normalized < 3.5 ? 2 : normalized < 7.5 ? 5 : 10;
        double step = nice * magnitude;
        return integersOnly ? Math.Max(1, Math.Round(step)) : step;
    }

    /// <summary>Widens [min, max] (a degenerate range first gets some width) to multiples of a nice step.</summary>
    public static (double Min, double Max, double Step) NiceDomain(double min, double max, int target, bool integersOnly = false)
    {
        (min, max) = Widen(min, max);
        double step = NiceStep(max - min, target, integersOnly);
        double lo = Math.Floor((min / step) + 1e-9) * step;
        double hi = Math.Ceiling((max / step) - 1e-9) * step;
        return (Clean(lo, step), Clean(hi, step), step);
    }

    /// <summary>The multiples of a nice step that lie within [min, max].</summary>
    public static (double[] Ticks, double Step) Within(double min, double max, int target, bool integersOnly = false)
    {
        double step = NiceStep(max - min, target, integersOnly);
        long first = (long)Math.Ceiling((min / step) - 1e-9);
        long last = (long)Math.Floor((max / step) + 1e-9);
        var ticks = new List<double>();
        for (long k = first; k <= last && ticks.Count < 100; k++)
        {
            ticks.Add(Clean(k * step, step));
        }

        return ([.. ticks], step);
    }

    /// <summary>Ticks for a log axis over [min, max] (both positive): decades when at least three fall inside, else 1-2-5 (or 1-9) multiples.</summary>
    public static double[] Log(double min, double max)
    {
        int lo = (int)Math.Floor(Math.Log10(min) + 1e-9);
        int hi = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        foreach (int[] mantissas in new[] { new[] { 1 }, [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9] })
        {
            var ticks = new List<double>();
            for (int e = lo; e <= hi; e++)
            {
                foreach (int m in mantissas)
                {
                    // Parsed from text, so 1e-4 is exactly the double nearest 0.0001 (m * 10^e can be one ulp off).
                    double t = double.Parse(string.Create(CultureInfo.InvariantCulture, $"{m}e{e}"), CultureInfo.InvariantCulture);
                    if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9))
                    {
                        ticks.Add(t);
                    }
                }
            }

            if (mantissas.Length == 1 && ticks.Count > 8)
            {
                int every = (int)Math.Ceiling(ticks.Count / 7.0);
                return [.. ticks.Where((_, i) => i % every == 0)];
            }

            if (ticks.Count >= 3)
            {
                return [.. ticks];
            }
        }

        // Narrower than one 1-9 step: fall back to linear ticks inside the range.
        return Within(min, max, 4).Ticks;
    }

    /// <summary>Formats a tick on a linear axis with as many decimals as its step needs (invariant culture).</summary>
    public static string Format(double value, double step)
    {
        if (value == 0)
        {
            return "0";
        }

        double magnitude = Math.Abs(value);
        if (magnitude >= 1e6 || (magnitude < 1e-4 && step < 1e-4))
        {
            return Scientific(value);
        }

        int decimals = Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 8);
        string s = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return s.TrimStart('-').Trim('0', '.').Length == 0 ? "0" : s;
    }

    /// <summary>Formats a tick on a log axis: plain decimals between 0.001 and 100000, else <c>2e-5</c> style.</summary>
    public static string FormatLog(double value)
    {
        double magnitude = Math.Abs(value);
        return magnitude is >= 1e-3 and < 1e5
            ? value.ToString("0.######", CultureInfo.InvariantCulture)
            : Scientific(value);
    }

    /// <summary>A value for labels (bars, tooltips): up to <paramref name="significant"/> significant digits, invariant culture.</summary>
    public static string Compact(double value, int significant = 4)
    {
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+inf" : "-inf";
        }

        if (value == 0)
        {
            return "0";
        }

        double magnitude = Math.Abs(value);
        if (magnitude >= 1e6 || magnitude < 1e-4)
        {
            return Scientific(value);
        }

        int decimals = Math.Clamp(significant - 1 - (int)Math.Floor(Math.Log10(magnitude)), 0, 10);
        return Math.Round(value, decimals).ToString("0." + new string('#', Math.Max(1, decimals)), CultureInfo.InvariantCulture);
    }

    private static string Scientific(double value)
    {
        int exponent = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        double mantissa = Math.Round(value / Math.Pow(10, exponent), 2);
        if (Math.Abs(mantissa) >= 10)
        {
            mantissa /= 10;
            exponent++;
        }

        return mantissa.ToString("0.##", CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static (double Min, double Max) Widen(double min, double max)
    {
        if (max > min)
        {
            return (min, max);
        }

        double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
        return (min - pad, max + pad);
    }

    /// <summary>Rounds away floating-point noise (0.30000000000000004) relative to the step.</summary>
    private static double Clean(double value, double step)
    {
        double r = Math.Round(value / step) * step;
        int digits = Math.Clamp(12 - (int)Math.Floor(Math.Log10(Math.Max(Math.Abs(r), step))), 0, 15);
        r = Math.Round(r, digits);
        return r == 0 ? 0 : r;
    }
}
