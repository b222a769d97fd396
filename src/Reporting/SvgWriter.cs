using System.Text;

namespace MLNetMixture.Reporting;

/// <summary>
/// Writes a self-contained SVG 1.1 document: shapes, text, groups and tooltips, in user units of a fixed
/// <c>viewBox</c>. Text is XML-escaped; numbers are written in the invariant culture with at most two decimals;
/// nothing refers to an external resource (no fonts, images, scripts or ids), so several documents can be inlined
/// in one HTML page. Coordinates must be finite: a NaN or infinite number throws <see cref="ArgumentOutOfRangeException"/>
/// (charts built on the writer skip or clamp such values before they get here).
/// </summary>
public sealed class SvgWriter
{
    /// <summary>The SVG namespace, written on the root element.</summary>
    public const string Namespace = "http://www.w3.org/2000/svg";

    /// <summary>The font stack written on the root element: common system sans-serif fonts, nothing downloaded.</summary>
    public const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif";

    private readonly StringBuilder _body = new();
    private int _openGroups;

    /// <summary>Creates an empty drawing of the given size (also its <c>viewBox</c>).</summary>
    /// <param name="width">The width in user units (pixels when shown at natural size).</param>
    /// <param name="height">The height in user units.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not a positive finite number.</exception>
    public SvgWriter(double width, double height)
    {
        if (!double.IsFinite(width) || width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be a positive finite number.");
        }

        if (!double.IsFinite(height) || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), height, "The height must be a positive finite number.");
        }

        Width = width;
        Height = height;
    }

    /// <summary>The drawing's width in user units.</summary>
    public double Width { get; }

    /// <summary>The drawing's height in user units.</summary>
    public double Height { get; }

    /// <summary>An accessible title for the whole drawing (its first <c>title</c> child), or null.</summary>
    public string? Title { get; set; }

    /// <summary>Draws a rectangle.</summary>
    /// <param name="x">The left edge.</param>
    /// <param name="y">The top edge.</param>
    /// <param name="width">The width (negative values are clamped to 0).</param>
    /// <param name="height">The height (negative values are clamped to 0).</param>
    /// <param name="style">The paint.</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Rect(double x, double y, double width, double height, SvgStyle style, string? tooltip = null)
    {
        return Atomic(() =>
        {
            Open("rect");
            Attr("x", x).Attr("y", y).Attr("width", Math.Max(0, width)).Attr("height", Math.Max(0, height));
            Paint(style).Close(tooltip, "rect");
        });
    }

    /// <summary>Draws a straight line.</summary>
    /// <param name="x1">The start's horizontal coordinate.</param>
    /// <param name="y1">The start's vertical coordinate.</param>
    /// <param name="x2">The end's horizontal coordinate.</param>
    /// <param name="y2">The end's vertical coordinate.</param>
    /// <param name="style">The paint (give it a <see cref="SvgStyle.Stroke"/>).</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Line(double x1, double y1, double x2, double y2, SvgStyle style, string? tooltip = null)
    {
        return Atomic(() =>
        {
            Open("line");
            Attr("x1", x1).Attr("y1", y1).Attr("x2", x2).Attr("y2", y2);
            Paint(style).Close(tooltip, "line");
        });
    }

    /// <summary>Draws an open chain of straight segments through the points.</summary>
    /// <param name="points">The vertices, in order (at least one).</param>
    /// <param name="style">The paint (usually a stroke and no fill).</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Polyline(IReadOnlyList<ChartPoint> points, SvgStyle style, string? tooltip = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("A polyline needs at least one point.", nameof(points));
        }

        var list = new StringBuilder(points.Count * 12);
        for (int i = 0; i < points.Count; i++)
        {
            if (i > 0)
            {
                list.Append(' ');
            }

            list.Append(SvgFormat.Number(points[i].X, "polyline x")).Append(',').Append(SvgFormat.Number(points[i].Y, "polyline y"));
        }

        return Atomic(() =>
        {
            Open("polyline");
            _body.Append(" points=\"").Append(list).Append('"');
            Paint(style).Close(tooltip, "polyline");
        });
    }

    /// <summary>Draws a path.</summary>
    /// <param name="data">The path's commands (not empty).</param>
    /// <param name="style">The paint.</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Path(SvgPathData data, SvgStyle style, string? tooltip = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.IsEmpty)
        {
            throw new ArgumentException("The path has no commands.", nameof(data));
        }

        return Atomic(() =>
        {
            Open("path");
            _body.Append(" d=\"").Append(data).Append('"');
            Paint(style).Close(tooltip, "path");
        });
    }

    /// <summary>Draws a circle.</summary>
    /// <param name="cx">The centre's horizontal coordinate.</param>
    /// <param name="cy">The centre's vertical coordinate.</param>
    /// <param name="r">The radius (negative values are clamped to 0).</param>
    /// <param name="style">The paint.</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Circle(double cx, double cy, double r, SvgStyle style, string? tooltip = null)
    {
        return Atomic(() =>
        {
            Open("circle");
            Attr("cx", cx).Attr("cy", cy).Attr("r", Math.Max(0, r));
            Paint(style).Close(tooltip, "circle");
        });
    }

    /// <summary>Draws one line of text (escaped; line breaks are not interpreted).</summary>
    /// <param name="x">The anchor's horizontal coordinate.</param>
    /// <param name="y">The anchor's vertical coordinate.</param>
    /// <param name="text">The text.</param>
    /// <param name="style">The font, colour and alignment.</param>
    /// <param name="tooltip">Text shown when hovering, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter Text(double x, double y, string text, SvgTextStyle style, string? tooltip = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(style);
        return Atomic(() =>
        {
            if (style.Halo is { } halo)
            {
                TextElement(x, y, text, style, null, halo);
            }

            TextElement(x, y, text, style, tooltip, null);
        });
    }

    /// <summary>
    /// Opens a group whose content is translated, then rotated, then scaled (SVG applies the listed transforms
    /// right to left to the content's coordinates). Close it with <see cref="EndGroup"/>.
    /// </summary>
    /// <param name="translateX">The horizontal offset.</param>
    /// <param name="translateY">The vertical offset.</param>
    /// <param name="rotateDegrees">A clockwise rotation about the group's origin.</param>
    /// <param name="scale">A uniform scale factor.</param>
    /// <param name="cssClass">A CSS class name, or null.</param>
    /// <param name="tooltip">Text shown when hovering over anything in the group, or null.</param>
    /// <returns>This writer.</returns>
    public SvgWriter BeginGroup(double translateX = 0, double translateY = 0, double rotateDegrees = 0, double scale = 1, string? cssClass = null, string? tooltip = null)
    {
        var transform = new StringBuilder();
        if (translateX != 0 || translateY != 0)
        {
            transform.Append("translate(").Append(SvgFormat.Number(translateX, "translate x")).Append(' ').Append(SvgFormat.Number(translateY, "translate y")).Append(')');
        }

        if (rotateDegrees != 0)
        {
            transform.Append(transform.Length > 0 ? " " : string.Empty).Append("rotate(").Append(SvgFormat.Number(rotateDegrees, "rotation")).Append(')');
        }

        if (scale != 1)
        {
            transform.Append(transform.Length > 0 ? " " : string.Empty).Append("scale(").Append(SvgFormat.Number(scale, "scale")).Append(')');
        }

        string? css = cssClass is null ? null : SvgFormat.CssClass(cssClass);
        Open("g");
        if (transform.Length > 0)
        {
            _body.Append(" transform=\"").Append(transform).Append('"');
        }

        if (css is not null)
        {
            _body.Append(" class=\"").Append(css).Append('"');
        }

        _body.Append('>');
        if (tooltip is not null)
        {
            _body.Append("<title>").Append(SvgFormat.Escape(tooltip)).Append("</title>");
        }

        _body.Append('\n');
        _openGroups++;
        return this;
    }

    /// <summary>Closes the innermost group opened by <see cref="BeginGroup"/>.</summary>
    /// <returns>This writer.</returns>
    /// <exception cref="InvalidOperationException">No group is open.</exception>
    public SvgWriter EndGroup()
    {
        if (_openGroups == 0)
        {
            throw new InvalidOperationException("EndGroup without a matching BeginGroup.");
        }

        _openGroups--;
        _body.Append("</g>\n");
        return this;
    }

    /// <summary>The complete document: one <c>svg</c> element in the SVG namespace, without an XML declaration (so it can be inlined in HTML).</summary>
    /// <returns>The SVG markup.</returns>
    /// <exception cref="InvalidOperationException">A group is still open.</exception>
    public override string ToString()
    {
        if (_openGroups != 0)
        {
            throw new InvalidOperationException($"{_openGroups} group(s) were opened with BeginGroup but not closed.");
        }

        string w = SvgFormat.Number(Width), h = SvgFormat.Number(Height);
        var sb = new StringBuilder(_body.Length + 400);
        sb.Append("<svg xmlns=\"").Append(Namespace).Append("\" version=\"1.1\" width=\"").Append(w).Append("\" height=\"").Append(h)
          .Append("\" viewBox=\"0 0 ").Append(w).Append(' ').Append(h).Append("\" font-family=\"").Append(SvgFormat.Escape(FontFamily))
          .Append("\" role=\"img\">\n");
        if (Title is not null)
        {
            sb.Append("<title>").Append(SvgFormat.Escape(Title)).Append("</title>\n");
        }

        sb.Append(_body).Append("</svg>");
        return sb.ToString();
    }

    private void TextElement(double x, double y, string text, SvgTextStyle style, string? tooltip, SvgColor? halo)
    {
        Open("text");
        Attr("x", x).Attr("y", y).Attr("font-size", style.FontSize);
        if (style.Baseline != SvgTextBaseline.Alphabetic)
        {
            // dy rather than dominant-baseline: it renders the same in every SVG 1.1 viewer.
            _body.Append(" dy=\"").Append(style.Baseline == SvgTextBaseline.Middle ? "0.35em" : "0.75em").Append('"');
        }

        if (style.Anchor != SvgTextAnchor.Start)
        {
            _body.Append(" text-anchor=\"").Append(style.Anchor == SvgTextAnchor.Middle ? "middle" : "end").Append('"');
        }

        if (style.Bold)
        {
            _body.Append(" font-weight=\"bold\"");
        }

        if (style.Rotation != 0)
        {
            _body.Append(" transform=\"rotate(").Append(SvgFormat.Number(style.Rotation, "rotation")).Append(' ')
                 .Append(SvgFormat.Number(x)).Append(' ').Append(SvgFormat.Number(y)).Append(")\"");
        }

        if (halo is { } h)
        {
            _body.Append(" fill=\"").Append(h).Append("\" stroke=\"").Append(h).Append("\" stroke-width=\"")
                 .Append(SvgFormat.Number(Math.Max(2, style.FontSize / 4))).Append("\" stroke-linejoin=\"round\" class=\"halo\" aria-hidden=\"true\"");
        }
        else
        {
            _body.Append(" fill=\"").Append(style.Fill).Append('"');
            if (style.CssClass is not null)
            {
                _body.Append(" class=\"").Append(SvgFormat.CssClass(style.CssClass)).Append('"');
            }
        }

        _body.Append('>').Append(SvgFormat.Escape(text));
        if (tooltip is not null)
        {
            _body.Append("<title>").Append(SvgFormat.Escape(tooltip)).Append("</title>");
        }

        _body.Append("</text>\n");
    }

    /// <summary>Runs one element's writing; if it throws (a non-finite number, a bad class name), the partial element is removed.</summary>
    private SvgWriter Atomic(Action write)
    {
        int mark = _body.Length;
        try
        {
            write();
        }
        catch
        {
            _body.Length = mark;
            throw;
        }

        return this;
    }

    private void Open(string element) => _body.Append('<').Append(element);

    private SvgWriter Attr(string name, double value)
    {
        _body.Append(' ').Append(name).Append("=\"").Append(SvgFormat.Number(value, name)).Append('"');
        return this;
    }

    private SvgWriter Paint(SvgStyle style)
    {
        ArgumentNullException.ThrowIfNull(style);
        _body.Append(" fill=\"").Append(style.Fill?.ToString() ?? "none").Append('"');
        if (style.Stroke is { } stroke)
        {
            _body.Append(" stroke=\"").Append(stroke).Append("\" stroke-width=\"").Append(SvgFormat.Number(style.StrokeWidth, "stroke width")).Append('"');
            if (style.DashLength > 0)
            {
                string dash = SvgFormat.Number(style.DashLength, "dash length");
                _body.Append(" stroke-dasharray=\"").Append(dash).Append(' ').Append(dash).Append('"');
            }

            _body.Append(" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
        }

        if (style.Opacity < 1)
        {
            _body.Append(" opacity=\"").Append(SvgFormat.Number(Math.Max(0, style.Opacity), "opacity")).Append('"');
        }

        if (style.CssClass is not null)
        {
            _body.Append(" class=\"").Append(SvgFormat.CssClass(style.CssClass)).Append('"');
        }

        return this;
    }

    private SvgWriter Close(string? tooltip, string element)
    {
        if (tooltip is null)
        {
            _body.Append("/>\n");
        }
        else
        {
            _body.Append("><title>").Append(SvgFormat.Escape(tooltip)).Append("</title></").Append(element).Append(">\n");
        }

        return this;
    }
}
