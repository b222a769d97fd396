using System.Globalization;

namespace MLNetMixture.Reporting;

/// <summary>
/// A confusion matrix: one square cell per (actual, predicted) pair, actual classes down the left, predicted classes
/// along the bottom, each cell coloured by its count (or by its share of the row with <see cref="RowNormalized"/>)
/// and labelled with its count in black or white, whichever reads better on the cell's colour.
/// </summary>
public sealed class ConfusionMatrixChart : Chart
{
    private readonly long[,] _counts;
    private readonly string[] _labels;

    /// <summary>Creates a confusion matrix chart.</summary>
    /// <param name="counts">counts[actual, predicted]: a square matrix of non-negative counts.</param>
    /// <param name="classLabels">One name per class, in index order.</param>
    /// <exception cref="ArgumentException">The matrix is empty or not square, a count is negative, or the labels do not match the classes.</exception>
    public ConfusionMatrixChart(long[,] counts, IReadOnlyList<string> classLabels)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classLabels);
        int c = counts.GetLength(0);
        if (c == 0 || counts.GetLength(1) != c)
        {
            throw new ArgumentException($"A confusion matrix must be square with at least one class; got {counts.GetLength(0)} x {counts.GetLength(1)}.", nameof(counts));
        }

        if (classLabels.Count != c)
        {
            throw new ArgumentException($"{c} classes but {classLabels.Count} class labels.", nameof(classLabels));
        }

        foreach (long n in counts)
        {
            if (n < 0)
            {
                throw new ArgumentException($"Counts must not be negative; found {n}.", nameof(counts));
            }
        }

        _counts = (long[,])counts.Clone();
        _labels = [.. classLabels.Select(l => l ?? string.Empty)];

        // 600 x 560 suits up to about ten classes; more classes get a larger chart, so that cells and their counts
        // stay readable (26 classes in 600 pixels would be 13-pixel cells).
        var (width, height) = SizeFor(_labels, counts.Cast<long>().Max());
        Width = Math.Max(600, width);
        Height = Math.Max(560, height);
    }

    /// <summary>The cell side, in pixels, that the default chart size leaves room for at least.</summary>
    public const double ReadableCellSize = 28;

    /// <summary>Creates a confusion matrix chart from 32-bit counts.</summary>
    /// <param name="counts">counts[actual, predicted]: a square matrix of non-negative counts.</param>
    /// <param name="classLabels">One name per class, in index order.</param>
    /// <exception cref="ArgumentException">The matrix is empty or not square, a count is negative, or the labels do not match the classes.</exception>
    public ConfusionMatrixChart(int[,] counts, IReadOnlyList<string> classLabels)
        : this(Widen(counts), classLabels)
    {
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount => _labels.Length;

    /// <summary>The class names.</summary>
    public IReadOnlyList<string> ClassLabels => _labels;

    /// <summary>Whether colours show each cell's share of its row (recall per actual class) rather than raw counts; the cells also show the percentage when there is room.</summary>
    public bool RowNormalized { get; init; }

    /// <summary>The colour scale (default <see cref="ColorScale.Blues"/>).</summary>
    public ColorScale ColorScale { get; init; } = ColorScale.Blues;

    /// <summary>The title of the class axis along the bottom.</summary>
    public string PredictedLabel { get; init; } = "Predicted";

    /// <summary>The title of the class axis down the left.</summary>
    public string ActualLabel { get; init; } = "Actual";

    private protected override string CssName => "confusion-matrix";

    private protected override void Render(SvgWriter writer, double top)
    {
        int n = ClassCount;
        var rowTotals = new long[n];
        long max = 0;
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                rowTotals[a] += _counts[a, p];
                max = Math.Max(max, _counts[a, p]);
            }
        }

        double widestLabel = _labels.Max(l => TextMeasure.Width(l, ChartTheme.TickSize));
        double scaleMax = RowNormalized ? 1 : Math.Max(1, max);
        var probeAxis = AxisScale.ExactLinear(0, scaleMax, 0, 100, 5, integersOnly: !RowNormalized);
        double barRoom = 18 + ColorBarPainter.Width(probeAxis, RowNormalized ? "share of row" : "count") + ChartTheme.Pad;
        double left = ChartTheme.Pad + ChartTheme.LabelSize + 10 + widestLabel + 8;
        double availableWidth = Width - left - barRoom;

        // Column labels: horizontal when they fit in a cell, else slanted (they then need vertical room).
        double cellGuess = Math.Min(availableWidth, Height - top - 60) / n;
        bool slant = widestLabel > cellGuess - 6;
        double bottomRoom = ChartTheme.Pad + 6 + (slant ? (widestLabel * 0.72) + 8 : ChartTheme.TickSize + 6) + ChartTheme.LabelSize + 8;
        double side = Math.Min(availableWidth, Height - top - 8 - bottomRoom);
        double cell = side / n;
        double slack = availableWidth - side;
        double gridLeft = left + (slack / 2), gridTop = top + 8, gridBottom = gridTop + side;

        writer.BeginGroup(cssClass: "cells");
        double countSize = Math.Clamp(cell * 0.3, 8, 15);
        bool showPercent = RowNormalized && cell >= 40;
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                long count = _counts[a, p];
                double share = rowTotals[a] == 0 ? 0 : (double)count / rowTotals[a];
                var fill = ColorScale.Map(RowNormalized ? share : count, 0, scaleMax);
                double x = gridLeft + (p * cell), y = gridTop + (a * cell);
                string tip = string.Create(CultureInfo.InvariantCulture, $"actual {_labels[a]}, predicted {_labels[p]}: {count} ({share:0.0%} of row)");
                writer.Rect(x, y, cell, cell, new SvgStyle { Fill = fill, Stroke = SvgColor.White, StrokeWidth = 1, CssClass = a == p ? "cell diagonal" : "cell" }, tip);
                var text = new SvgTextStyle { FontSize = countSize, Fill = fill.ContrastingText, Anchor = SvgTextAnchor.Middle, Baseline = SvgTextBaseline.Middle, Bold = a == p, CssClass = "count" };
                double cy = y + (cell / 2) - (showPercent ? countSize * 0.45 : 0);
                writer.Text(x + (cell / 2), cy, count.ToString(CultureInfo.InvariantCulture), text);
                if (showPercent)
                {
                    writer.Text(x + (cell / 2), cy + (countSize * 1.05), share.ToString("0%", CultureInfo.InvariantCulture), text with { FontSize = countSize * 0.72, Bold = false, CssClass = "percent" });
                }
            }
        }

        writer.EndGroup();

        // Class names: actual down the left, predicted along the bottom.
        writer.BeginGroup(cssClass: "axis class-axis");
        var tick = ChartTheme.Tick with { Fill = ChartTheme.Ink, CssClass = "class-label" };
        for (int i = 0; i < n; i++)
        {
            double center = (i + 0.5) * cell;
            writer.Text(gridLeft - 6, gridTop + center, _labels[i], tick with { Anchor = SvgTextAnchor.End, Baseline = SvgTextBaseline.Middle });
            writer.Text(
                gridLeft + center + (slant ? 4 : 0),
                gridBottom + 6,
                _labels[i],
                slant ? tick with { Anchor = SvgTextAnchor.End, Baseline = SvgTextBaseline.Top, Rotation = -40 } : tick with { Anchor = SvgTextAnchor.Middle, Baseline = SvgTextBaseline.Top });
        }

        double bottomLabelY = gridBottom + 6 + (slant ? (widestLabel * 0.72) + 8 : ChartTheme.TickSize + 6);
        writer.Text(gridLeft + (side / 2), bottomLabelY, PredictedLabel, ChartTheme.AxisLabel with { Baseline = SvgTextBaseline.Top });
        writer.Text(gridLeft - 6 - widestLabel - 12, gridTop + (side / 2), ActualLabel, ChartTheme.AxisLabel with { Rotation = -90 });
        writer.EndGroup();

        var barAxis = AxisScale.ExactLinear(0, scaleMax, gridBottom, gridTop, Math.Max(2, (int)(side / 50)), integersOnly: !RowNormalized);
        ColorBarPainter.Draw(writer, ColorScale, barAxis, gridLeft + side + 18, RowNormalized ? "share of row" : "count");
    }

    /// <summary>The chart size at which every cell is <see cref="ReadableCellSize"/> wide, by the layout of <see cref="Render"/>.</summary>
    private static (double Width, double Height) SizeFor(string[] labels, long max)
    {
        int n = labels.Length;
        double widestLabel = labels.Max(l => TextMeasure.Width(l, ChartTheme.TickSize));
        double barRoom = 18 + Math.Max(
            ColorBarPainter.Width(AxisScale.ExactLinear(0, Math.Max(1, max), 0, 100, 5, integersOnly: true), "count"),
            ColorBarPainter.Width(AxisScale.ExactLinear(0, 1, 0, 100, 5), "share of row")) + ChartTheme.Pad;
        double left = ChartTheme.Pad + ChartTheme.LabelSize + 10 + widestLabel + 8;
        double side = n * ReadableCellSize;
        bool slant = widestLabel > ReadableCellSize - 6;
        double bottomRoom = ChartTheme.Pad + 6 + (slant ? (widestLabel * 0.72) + 8 : ChartTheme.TickSize + 6) + ChartTheme.LabelSize + 8;
        return (Math.Ceiling(left + side + barRoom + 1), Math.Ceiling(ChartTheme.TitleBand + 8 + side + bottomRoom + 1));
    }

    private static long[,] Widen(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var wide = new long[counts.GetLength(0), counts.GetLength(1)];
        for (int i = 0; i < counts.GetLength(0); i++)
        {
            for (int j = 0; j < counts.GetLength(1); j++)
            {
                wide[i, j] = counts[i, j];
            }
        }

        return wide;
    }
}
