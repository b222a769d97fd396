using System.Globalization;

namespace MLNetMixture.Reporting;

/// <summary>
/// One vertical bar per category (expert utilisation, per-expert accuracy), growing from zero, with the value written
/// on each bar. A NaN or infinite value draws no bar and is labelled "n/a" (a bar to infinity has no length to show).
/// Long category names are slanted so they do not overlap.
/// </summary>
public sealed class BarChart : Chart
{
    private readonly string[] _labels;
    private readonly double[] _values;

    /// <summary>Creates a bar chart.</summary>
    /// <param name="labels">The category names, one per bar.</param>
    /// <param name="values">The bar values.</param>
    /// <exception cref="ArgumentException">No bars, or labels and values differ in length.</exception>
    public BarChart(IReadOnlyList<string> labels, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A bar chart needs at least one value.", nameof(values));
        }

        if (labels.Count != values.Count)
        {
            throw new ArgumentException($"{labels.Count} labels but {values.Count} values.", nameof(labels));
        }

        _labels = [.. labels.Select(l => l ?? string.Empty)];
        _values = [.. values];
    }

    /// <summary>The category names.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The bar values.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>The x axis title, or null.</summary>
    public string? XLabel { get; init; }

    /// <summary>The y axis title, or null.</summary>
    public string? YLabel { get; init; }

    /// <summary>
    /// A .NET custom numeric format for the value labels, applied with the invariant culture (e.g. <c>0.0%</c> for
    /// fractions shown as percentages). Default: up to three decimals.
    /// </summary>
    public string ValueFormat { get; init; } = "0.###";

    /// <summary>The top of the y axis, or null to fit the data (e.g. 1 for fractions and accuracies).</summary>
    public double? YMax { get; init; }

    /// <summary>Whether each bar takes its own <see cref="CategoricalPalette"/> colour (rather than one colour for all).</summary>
    public bool ColorByCategory { get; init; }

    /// <summary>A value marked by a dashed horizontal line (e.g. the uniform share 1/K), or null.</summary>
    public double? ReferenceValue { get; init; }

    /// <summary>The text written at the reference line's right end, or null.</summary>
    public string? ReferenceLabel { get; init; }

    private protected override string CssName => "bar-chart";

    private protected override void Render(SvgWriter writer, double top)
    {
        var finite = _values.Where(double.IsFinite).ToList();
        if (ReferenceValue is double r && double.IsFinite(r))
        {
            finite.Add(r);
        }

        double lo = Math.Min(0, finite.Count == 0 ? 0 : finite.Min());
        double hi = Math.Max(0, finite.Count == 0 ? 1 : finite.Max());
        if (YMax is double yMax && double.IsFinite(yMax) && yMax > lo)
        {
            hi = Math.Max(hi, yMax);
        }

        hi = hi == lo ? lo + 1 : hi;
        double plotLeftGuess = ChartTheme.Pad + 60;
        double slotGuess = (Width - plotLeftGuess - ChartTheme.Pad) / _values.Length;
        double widestLabel = _labels.Max(l => TextMeasure.Width(l, ChartTheme.TickSize));
        bool slant = widestLabel > slotGuess - 6;
        double labelBand = slant ? Math.Min(widestLabel * 0.72, Height * 0.3) + 6 : 0;

        double plotTop = top + 16; // room for the value label above the tallest bar
        double plotBottom = Height - ChartTheme.Pad - AxisPainter.BottomHeight(XLabel) - labelBand;
        var y = AxisScale.NiceLinear(lo, hi, plotBottom, plotTop, Math.Max(3, (int)((plotBottom - plotTop) / 50)));
        if (YMax is double cap && double.IsFinite(cap) && cap >= hi && y.DomainMax > cap)
        {
            // The caller's ceiling (1 for fractions) is the natural top: do not round it up to the next tick.
            y = AxisScale.ExactLinear(y.DomainMin, cap, plotBottom, plotTop, Math.Max(3, (int)((plotBottom - plotTop) / 50)));
        }

        double plotLeft = ChartTheme.Pad + AxisPainter.LeftWidth(y, YLabel);

        // The reference line's label sits in the right margin, level with the line, clear of the bars.
        bool referenceLabel = ReferenceValue is double rv && y.Contains(rv) && !string.IsNullOrEmpty(ReferenceLabel);
        double plotRight = Width - ChartTheme.Pad - (referenceLabel ? TextMeasure.Width(ReferenceLabel!, ChartTheme.TickSize) + 8 : 0);
        double slot = (plotRight - plotLeft) / _values.Length;
        double barWidth = Math.Max(1, slot * 0.68);
        double zero = y.Map(0);

        AxisPainter.Left(writer, y, plotLeft, YLabel, gridRight: plotRight);
        var texts = new string[_values.Length];
        writer.BeginGroup(cssClass: "bars");
        for (int i = 0; i < _values.Length; i++)
        {
            double v = _values[i];
            texts[i] = double.IsFinite(v) ? v.ToString(ValueFormat, CultureInfo.InvariantCulture) : "n/a";
            if (double.IsFinite(v))
            {
                double py = y.Map(v);
                var color = ColorByCategory ? CategoricalPalette.Get(i) : CategoricalPalette.Get(0);
                writer.Rect(plotLeft + ((i + 0.5) * slot) - (barWidth / 2), Math.Min(py, zero), barWidth, Math.Abs(zero - py), SvgStyle.Filled(color) with { CssClass = "bar" }, $"{_labels[i]}: {texts[i]}");
            }
        }

        writer.EndGroup();

        // Over the bars (so it can be compared with them), under the value labels (so it does not strike them through).
        if (ReferenceValue is double reference && y.Contains(reference))
        {
            double ry = y.Map(reference);
            writer.BeginGroup(cssClass: "reference");
            writer.Line(plotLeft, ry, plotRight, ry, new SvgStyle { Stroke = ChartTheme.Ink, StrokeWidth = 1.2, DashLength = 5, Opacity = 0.7 });
            if (referenceLabel)
            {
                writer.Text(plotRight + 6, ry, ReferenceLabel!, ChartTheme.Tick with { Fill = ChartTheme.Ink, Baseline = SvgTextBaseline.Middle, CssClass = "reference-label" });
            }

            writer.EndGroup();
        }

        writer.BeginGroup(cssClass: "value-labels");
        var valueStyle = ChartTheme.Tick with { Fill = ChartTheme.Ink, Anchor = SvgTextAnchor.Middle, Halo = ChartTheme.Background, CssClass = "value-label" };
        for (int i = 0; i < _values.Length; i++)
        {
            double v = _values[i], cx = plotLeft + ((i + 0.5) * slot);
            if (!double.IsFinite(v))
            {
                writer.Text(cx, zero - 4, texts[i], valueStyle with { Fill = ChartTheme.Muted });
            }
            else
            {
                double py = y.Map(v);
                writer.Text(cx, v >= 0 ? py - 4 : py + 4, texts[i], valueStyle with { Baseline = v >= 0 ? SvgTextBaseline.Alphabetic : SvgTextBaseline.Top });
            }
        }

        writer.EndGroup();

        // Category labels and the baseline.
        writer.BeginGroup(cssClass: "axis x-axis");
        writer.Line(plotLeft, zero, plotRight, zero, ChartTheme.AxisStroke);
        for (int i = 0; i < _labels.Length; i++)
        {
            double cx = plotLeft + ((i + 0.5) * slot);
            var style = ChartTheme.Tick with { Fill = ChartTheme.Ink, Baseline = SvgTextBaseline.Top, CssClass = "category-label" };
            style = slant ? style with { Anchor = SvgTextAnchor.End, Rotation = -40 } : style with { Anchor = SvgTextAnchor.Middle };
            writer.Text(slant ? cx + 4 : cx, plotBottom + 6, _labels[i], style);
        }

        if (!string.IsNullOrEmpty(XLabel))
        {
            writer.Text((plotLeft + plotRight) / 2, plotBottom + 6 + ChartTheme.TickSize + 10 + labelBand, XLabel, ChartTheme.AxisLabel with { Baseline = SvgTextBaseline.Top });
        }

        writer.EndGroup();
    }
}
