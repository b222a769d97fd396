using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace MLNetMixture.Reporting;

/// <summary>
/// A section of an <see cref="HtmlReport"/>: a heading followed by paragraphs, metric tables and figures, in the order
/// they were added. Consecutive figures share a row when they fit side by side.
/// </summary>
public sealed class HtmlReportSection
{
    private readonly List<(bool IsFigure, string Html)> _blocks = [];

    internal HtmlReportSection(string heading, string id)
    {
        Heading = heading;
        Id = id;
    }

    internal HtmlReportSection CopyAs(string heading, string id)
    {
        var copy = new HtmlReportSection(heading, id);
        copy._blocks.AddRange(_blocks);
        return copy;
    }

    /// <summary>The section's heading.</summary>
    public string Heading { get; }

    /// <summary>The section's HTML id (unique in the report; the table of contents links to it).</summary>
    public string Id { get; }

    /// <summary>Adds a paragraph of plain text (escaped; line breaks are kept).</summary>
    /// <param name="text">The text.</param>
    /// <returns>This section.</returns>
    public HtmlReportSection AddParagraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string html = SvgFormat.Escape(text).ReplaceLineEndings("<br>");
        _blocks.Add((false, $"<p>{html}</p>"));
        return this;
    }

    /// <summary>
    /// Adds a table. Cells are plain text (escaped); cells that read as numbers (optionally ending in %) are right-aligned
    /// in tabular figures so that columns of metrics line up.
    /// </summary>
    /// <param name="headers">The column headers (at least one).</param>
    /// <param name="rows">The rows, each with one cell per header.</param>
    /// <param name="caption">A caption shown above the table, or null.</param>
    /// <returns>This section.</returns>
    /// <exception cref="ArgumentException">No headers, or a row has the wrong number of cells.</exception>
    public HtmlReportSection AddTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        if (headers.Count == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(headers));
        }

        var sb = new StringBuilder("<div class=\"table-wrap\"><table class=\"metrics\">");
        if (caption is not null)
        {
            sb.Append("<caption>").Append(SvgFormat.Escape(caption)).Append("</caption>");
        }

        var body = new List<IReadOnlyList<string>>();
        foreach (var row in rows)
        {
            if (row is null || row.Count != headers.Count)
            {
                throw new ArgumentException($"Table row {body.Count + 1} has {row?.Count ?? 0} cells; the table has {headers.Count} columns.", nameof(rows));
            }

            body.Add(row);
        }

        // A column whose filled cells are all numbers gets a right-aligned header, over its right-aligned values.
        sb.Append("<thead><tr>");
        for (int c = 0; c < headers.Count; c++)
        {
            var filled = body.Select(r => r[c] ?? string.Empty).Where(t => t.Trim().Length > 0).ToList();
            bool numeric = filled.Count > 0 && filled.All(IsNumeric);
            sb.Append(numeric ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">").Append(SvgFormat.Escape(headers[c] ?? string.Empty)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>");
        foreach (var row in body)
        {
            sb.Append("<tr>");
            foreach (string cell in row)
            {
                string text = cell ?? string.Empty;
                sb.Append(IsNumeric(text) ? "<td class=\"num\">" : "<td>").Append(SvgFormat.Escape(text)).Append("</td>");
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table></div>");
        _blocks.Add((false, sb.ToString()));
        return this;
    }

    /// <summary>Adds a chart as an inline SVG figure.</summary>
    /// <param name="chart">The chart.</param>
    /// <param name="caption">A caption shown below the figure, or null.</param>
    /// <returns>This section.</returns>
    public HtmlReportSection AddFigure(Chart chart, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(chart);
        return AddFigureMarkup(chart.ToSvg(), caption);
    }

    /// <summary>Adds an SVG document (for example from <see cref="SvgWriter"/>) as an inline figure.</summary>
    /// <param name="svg">One well-formed <c>svg</c> element in the SVG namespace.</param>
    /// <param name="caption">A caption shown below the figure, or null.</param>
    /// <returns>This section.</returns>
    /// <exception cref="ArgumentException">The text is not a well-formed SVG document.</exception>
    public HtmlReportSection AddFigure(string svg, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(svg);
        XElement root;
        try
        {
            root = XDocument.Parse(svg).Root!;
        }
        catch (XmlException e)
        {
            throw new ArgumentException($"The figure is not well-formed XML: {e.Message}", nameof(svg), e);
        }

        if (root.Name != XName.Get("svg", SvgWriter.Namespace))
        {
            throw new ArgumentException($"The figure's root element is {root.Name}, not an svg element in the {SvgWriter.Namespace} namespace.", nameof(svg));
        }

        // Drop a leading XML declaration: it is not allowed inside HTML.
        return AddFigureMarkup(root.ToString(SaveOptions.DisableFormatting), caption);
    }

    internal void WriteTo(StringBuilder html)
    {
        html.Append("<section id=\"").Append(Id).Append("\">\n<h2>").Append(SvgFormat.Escape(Heading)).Append("</h2>\n");
        bool inFigures = false;
        int figure = 0;
        foreach (var (isFigure, block) in _blocks)
        {
            if (isFigure != inFigures)
            {
                html.Append(isFigure ? "<div class=\"figures\">\n" : "</div>\n");
                inFigures = isFigure;
            }

            if (isFigure)
            {
                // Numbered here, under this section's id, so that copies of a section included in another report
                // (which get new section ids) keep every figure id in the page unique.
                figure++;
                html.Append("<figure id=\"").Append(Id).Append("-fig").Append(figure.ToString(CultureInfo.InvariantCulture)).Append("\">\n");
            }

            html.Append(block).Append('\n');
        }

        if (inFigures)
        {
            html.Append("</div>\n");
        }

        html.Append("</section>\n");
    }

    private HtmlReportSection AddFigureMarkup(string svg, string? caption)
    {
        var sb = new StringBuilder(svg);
        if (!string.IsNullOrEmpty(caption))
        {
            sb.Append("\n<figcaption>").Append(SvgFormat.Escape(caption)).Append("</figcaption>");
        }

        sb.Append("\n</figure>");
        _blocks.Add((true, sb.ToString()));
        return this;
    }

    private static bool IsNumeric(string text)
    {
        string t = text.Trim();
        if (t.EndsWith('%'))
        {
            t = t[..^1].TrimEnd();
        }

        return t.Length > 0 && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }
}
