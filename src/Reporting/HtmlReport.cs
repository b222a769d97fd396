using System.Text;

namespace MLNetMixture.Reporting;

/// <summary>
/// Builds a single self-contained HTML page: a title, an optional subtitle and key/value metadata table, then sections
/// of paragraphs, metric tables and inline SVG figures. The page embeds its own CSS and loads nothing (no fonts, scripts
/// or images from elsewhere), so it can be mailed, archived or opened offline.
/// </summary>
public sealed class HtmlReport
{
    private readonly List<KeyValuePair<string, string>> _metadata = [];
    private readonly List<HtmlReportSection> _sections = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>Creates an empty report.</summary>
    /// <param name="title">The page title and main heading.</param>
    /// <exception cref="ArgumentException">The title is empty.</exception>
    public HtmlReport(string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        Title = title;
    }

    /// <summary>The page title and main heading.</summary>
    public string Title { get; }

    /// <summary>A line shown under the title, or null.</summary>
    public string? Subtitle { get; set; }

    /// <summary>The key/value pairs shown under the title, in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata => _metadata;

    /// <summary>The sections, in order.</summary>
    public IReadOnlyList<HtmlReportSection> Sections => _sections;

    /// <summary>Adds a key/value pair to the metadata table under the title (e.g. "data set", "two-moons.csv").</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <returns>This report.</returns>
    public HtmlReport AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata.Add(new KeyValuePair<string, string>(key, value));
        return this;
    }

    /// <summary>Adds a section; fill it through the returned object.</summary>
    /// <param name="heading">The section heading.</param>
    /// <returns>The new section.</returns>
    public HtmlReportSection AddSection(string heading)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(heading);
        var section = new HtmlReportSection(heading, UniqueId(heading));
        _sections.Add(section);
        return section;
    }

    /// <summary>
    /// Appends copies of another report's sections, each heading prefixed with <paramref name="headingPrefix"/>
    /// (so one page can hold several models' reports); section ids are made unique in this report.
    /// </summary>
    /// <param name="other">The report whose sections to append.</param>
    /// <param name="headingPrefix">Text put before each heading, e.g. "Digits: ".</param>
    /// <returns>This report.</returns>
    public HtmlReport Include(HtmlReport other, string headingPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(headingPrefix);
        foreach (var section in other.Sections)
        {
            string heading = headingPrefix + section.Heading;
            _sections.Add(section.CopyAs(heading, UniqueId(heading)));
        }

        return this;
    }

    /// <summary>The complete HTML5 page (UTF-8).</summary>
    /// <returns>The markup.</returns>
    public string ToHtml()
    {
        var html = new StringBuilder(64 * 1024);
        string title = SvgFormat.Escape(Title);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"MLNetMixture\">\n")
            .Append("<title>").Append(title).Append("</title>\n<style>\n").Append(Stylesheet).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<header>\n<h1>").Append(title).Append("</h1>\n");
        if (!string.IsNullOrEmpty(Subtitle))
        {
            html.Append("<p class=\"subtitle\">").Append(SvgFormat.Escape(Subtitle)).Append("</p>\n");
        }

        if (_metadata.Count > 0)
        {
            html.Append("<dl class=\"meta\">\n");
            foreach (var (key, value) in _metadata)
            {
                html.Append("<div><dt>").Append(SvgFormat.Escape(key)).Append("</dt><dd>").Append(SvgFormat.Escape(value)).Append("</dd></div>\n");
            }

            html.Append("</dl>\n");
        }

        if (_sections.Count > 1)
        {
            html.Append("<nav class=\"toc\" aria-label=\"Contents\">");
            foreach (var s in _sections)
            {
                html.Append("<a href=\"#").Append(s.Id).Append("\">").Append(SvgFormat.Escape(s.Heading)).Append("</a>");
            }

            html.Append("</nav>\n");
        }

        html.Append("</header>\n");
        foreach (var s in _sections)
        {
            s.WriteTo(html);
        }

        html.Append("<footer>Generated by MLNetMixture</footer>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// Writes the page to <paramref name="path"/> (UTF-8, no byte order mark) atomically: it is written to a temporary
    /// file in the same folder and then renamed over the target, so a reader never sees a half-written report. The folder
    /// is created when missing.
    /// </summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(tmp, ToHtml(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException)
            {
                // Best effort: the original error matters more than a leftover temporary file.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }

            throw;
        }
    }

    private string UniqueId(string heading)
    {
        var slug = new StringBuilder("s-");
        foreach (char c in heading.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        string baseId = slug.ToString().TrimEnd('-');
        string id = baseId;
        for (int n = 2; !_ids.Add(id); n++)
        {
            id = $"{baseId}-{n}";
        }

        return id;
    }

    private const string Stylesheet = """
        :root { --ink: #1f2328; --muted: #5b636d; --line: #e1e4e8; --accent: #2f6db3; --page: #f5f6f8; --card: #ffffff; --zebra: #f9fafb; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--page); color: var(--ink);
               font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 32px 28px 48px; }
        header { margin-bottom: 8px; }
        h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; font-weight: 650; letter-spacing: -0.01em; }
        .subtitle { color: var(--muted); font-size: 16px; margin: 0 0 16px; }
        dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px 24px;
                  margin: 0 0 16px; padding: 14px 18px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
        dl.meta div { min-width: 0; }
        dl.meta dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
        dl.meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
        nav.toc { display: flex; flex-wrap: wrap; gap: 6px 8px; margin: 0 0 8px; }
        nav.toc a { color: var(--accent); text-decoration: none; font-size: 14px; padding: 3px 10px;
                    border: 1px solid var(--line); border-radius: 999px; background: var(--card); }
        nav.toc a:hover { border-color: var(--accent); }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px 22px;
                  margin: 18px 0; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.04); }
        h2 { font-size: 19px; margin: 0 0 12px; padding-bottom: 8px; border-bottom: 1px solid var(--line); font-weight: 650; }
        p { margin: 0 0 12px; max-width: 80ch; }
        .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap: 20px 28px;
                   align-items: start; margin: 4px 0 16px; }
        figure { margin: 0; min-width: 0; }
        figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
        figcaption { color: var(--muted); font-size: 13.5px; margin: 6px auto 0; max-width: 640px; text-align: center; }
        .table-wrap { overflow-x: auto; margin: 4px 0 14px; }
        table.metrics { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; min-width: 40%; }
        table.metrics caption { text-align: left; color: var(--muted); font-size: 13.5px; padding-bottom: 6px; }
        table.metrics th { text-align: left; font-weight: 600; background: #eef1f4; border-bottom: 2px solid var(--line); }
        table.metrics th, table.metrics td { padding: 6px 14px; }
        table.metrics td { border-bottom: 1px solid var(--line); }
        table.metrics tbody tr:nth-child(even) td { background: var(--zebra); }
        table.metrics td.num, table.metrics th.num { text-align: right; }
        footer { color: var(--muted); font-size: 12px; margin-top: 24px; text-align: center; }
        @media print {
          body { background: #fff; }
          section { box-shadow: none; break-inside: avoid; }
          nav.toc { display: none; }
        }

        """;
}
