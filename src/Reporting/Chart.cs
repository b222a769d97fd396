namespace MLNetMixture.Reporting;

/// <summary>
/// A chart drawn with <see cref="SvgWriter"/>: <see cref="ToSvg"/> gives a standalone SVG document, and
/// <see cref="Draw"/> writes the chart into a larger drawing at an offset. Charts are immutable once built; the data
/// are checked when a chart is constructed (empty or mismatched inputs throw <see cref="ArgumentException"/>).
/// </summary>
public abstract class Chart
{
    private protected Chart()
    {
    }

    /// <summary>The width in user units (pixels at natural size); at least 160.</summary>
    public double Width
    {
        get;
        init => field = CheckSize(value, 160, nameof(Width));
    } = 640;

    /// <summary>The height in user units; at least 120.</summary>
    public double Height
    {
        get;
        init => field = CheckSize(value, 120, nameof(Height));
    } = 420;

    /// <summary>A title written at the top of the chart, or null for none.</summary>
    public string? Title { get; init; }

    /// <summary>The chart as a standalone SVG document (no XML declaration, so it can also be inlined in HTML).</summary>
    /// <returns>The SVG markup.</returns>
    public string ToSvg()
    {
        var writer = new SvgWriter(Width, Height) { Title = Title };
        Draw(writer);
        return writer.ToString();
    }

    /// <summary>Draws the chart into <paramref name="writer"/> with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    /// <param name="writer">The drawing to write into.</param>
    /// <param name="x">The horizontal offset.</param>
    /// <param name="y">The vertical offset.</param>
    public void Draw(SvgWriter writer, double x = 0, double y = 0)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginGroup(x, y, cssClass: "chart " + CssName);
        writer.Rect(0, 0, Width, Height, SvgStyle.Filled(ChartTheme.Background) with { CssClass = "background" });
        double top = ChartTheme.Pad;
        if (!string.IsNullOrEmpty(Title))
        {
            writer.Text(Width / 2, ChartTheme.Pad + ChartTheme.TitleSize, Title, ChartTheme.Title with { Anchor = SvgTextAnchor.Middle });
            top = ChartTheme.TitleBand;
        }

        Render(writer, top);
        writer.EndGroup();
    }

    /// <summary>The CSS class naming the chart kind (e.g. <c>line-chart</c>).</summary>
    private protected abstract string CssName { get; }

    /// <summary>Draws the chart's body in local coordinates, below <paramref name="top"/>.</summary>
    private protected abstract void Render(SvgWriter writer, double top);

    private static double CheckSize(double value, double minimum, string name)
    {
        if (!double.IsFinite(value) || value < minimum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"The chart {name.ToLowerInvariant()} must be a finite number of at least {minimum}.");
        }

        return value;
    }
}
