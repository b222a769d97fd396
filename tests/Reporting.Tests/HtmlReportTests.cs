using System.Text.RegularExpressions;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed partial class HtmlReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HtmlReport Sample()
    {
        var report = new HtmlReport("Flow <report> & more") { Subtitle = "two-moons, K = 4" };
        report.AddMetadata("data set", "moons.csv").AddMetadata("<key>", "a & b");
        report.AddSection("Density")
              .AddParagraph("Learned density <b>not bold</b>\nsecond line")
              .AddFigure(new HeatMapChart(new double[,] { { 1, 2 }, { 3, 4 } }) { Title = "p(x)" }, "Density & samples")
              .AddFigure(new ScatterChart([new(0, 1), new(1, 0)]), "Samples");
        report.AddSection("Training")
              .AddFigure(new LineChart([new LineSeries("train", [3.0, 2, 1.5])]), "Curves")
              .AddTable(["epoch", "NLL", "note"], [["1", "3.000", "warm-up"], ["2", "-2.5", "<ok>"], ["3", "12.5%", ""]], "Per epoch");
        report.AddSection("Experts")
              .AddFigure(new BarChart(["e0", "e1"], [0.6, 0.4]))
              .AddFigure(new ConfusionMatrixChart(new[,] { { 5, 1 }, { 2, 7 } }, ["a", "b"]), "Confusion");
        return report;
    }

    [Fact]
    public void Including_two_reports_with_the_same_sections_keeps_every_html_id_unique()
    {
        var page = new HtmlReport("demo").Include(Sample(), "First: ").Include(Sample(), "Second: ");
        string html = page.ToHtml();
        var ids = Regex.Matches(html, "<(?:section|figure) id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2 * (3 + 5), ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("s-second-training-fig1", ids);
    }

    [Fact]
    public void The_page_has_every_section_figure_caption_and_table_and_each_svg_parses()
    {
        string html = Sample().ToHtml();
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<meta charset=\"utf-8\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>Flow &lt;report&gt; &amp; more</title>", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"subtitle\">two-moons, K = 4</p>", html, StringComparison.Ordinal);
        foreach (string id in new[] { "s-density", "s-training", "s-experts" })
        {
            Assert.Contains($"<section id=\"{id}\">", html, StringComparison.Ordinal);
            Assert.Contains($"<a href=\"#{id}\">", html, StringComparison.Ordinal);
        }

        var svgs = SvgBlock().Matches(html).Select(m => SvgTestDocument.Parse(m.Value)).ToList();
        Assert.Equal(5, svgs.Count);
        Assert.Single(svgs[0].WithClass("g", "heat-map"));
        Assert.Single(svgs[2].WithClass("g", "line-chart"));
        Assert.Single(svgs[4].WithClass("g", "confusion-matrix"));
        Assert.Equal(5, Regex.Count(html, "<figure id=\"s-[a-z]+-fig[0-9]\">"));
        Assert.Contains("<figcaption>Density &amp; samples</figcaption>", html, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(html, "<figcaption>"));
        Assert.Contains("<caption>Per epoch</caption>", html, StringComparison.Ordinal);

        // Tags balance where they matter for layout.
        foreach (string tag in new[] { "section", "figure", "table", "div", "svg", "g", "text" })
        {
            Assert.Equal(Regex.Count(html, $"<{tag}[ >]"), Regex.Count(html, $"</{tag}>"));
        }
    }

    [Fact]
    public void Text_is_escaped_everywhere()
    {
        string html = Sample().ToHtml();
        Assert.DoesNotContain("<report>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<key>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<ok>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>&lt;key&gt;</dt><dd>a &amp; b</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<p>Learned density &lt;b&gt;not bold&lt;/b&gt;<br>second line</p>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_table_cells_and_their_headers_are_right_aligned()
    {
        string html = Sample().ToHtml();
        Assert.Contains("<th scope=\"col\" class=\"num\">epoch</th><th scope=\"col\" class=\"num\">NLL</th><th scope=\"col\">note</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">-2.5</td><td>&lt;ok&gt;</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">12.5%</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_loads_nothing_from_elsewhere()
    {
        string html = Sample().ToHtml();
        string withoutNamespace = html.Replace(SvgWriter.Namespace, string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("http:", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<?xml", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_svg_figures_are_validated_and_their_xml_declaration_dropped()
    {
        var section = new HtmlReport("r").AddSection("s");
        Assert.Throws<ArgumentException>(() => section.AddFigure("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg>"));
        Assert.Throws<ArgumentException>(() => section.AddFigure("<svg><rect/></svg>"));
        Assert.Throws<ArgumentException>(() => section.AddFigure("<html/>"));
        var w = new SvgWriter(10, 10);
        w.Circle(5, 5, 4, SvgStyle.Filled(SvgColor.Black));
        section.AddFigure("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + w, "raw");
        var report = new HtmlReport("r");
        report.AddSection("s").AddFigure("<?xml version=\"1.0\"?>" + w);
        string html = report.ToHtml();
        Assert.DoesNotContain("<?xml", html, StringComparison.Ordinal);
        SvgTestDocument.Parse(SvgBlock().Match(html).Value);
    }

    [Fact]
    public void Rows_must_match_the_headers_and_titles_must_not_be_blank()
    {
        var section = new HtmlReport("r").AddSection("s");
        var e = Assert.Throws<ArgumentException>(() => section.AddTable(["a", "b"], [["1", "2"], ["3"]]));
        Assert.Contains("row 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => section.AddTable([], []));
        Assert.Throws<ArgumentException>(() => new HtmlReport(" "));
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").AddSection(""));
    }

    [Fact]
    public void Repeated_headings_get_distinct_ids()
    {
        var report = new HtmlReport("r");
        var ids = new[] { "Loss", "Loss", "loss!", "Ünïcode" }.Select(h => report.AddSection(h).Id).ToList();
        Assert.Equal(["s-loss", "s-loss-2", "s-loss-3", "s-n-code"], ids);
    }

    [Fact]
    public void Save_writes_the_page_atomically_creating_the_folder_and_replacing_an_old_file()
    {
        string path = Path.Combine(_dir, "nested", "report.html");
        var report = Sample();
        report.Save(path);
        Assert.Equal(report.ToHtml(), File.ReadAllText(path));
        byte[] head = File.ReadAllBytes(path)[..3];
        Assert.NotEqual(new byte[] { 0xEF, 0xBB, 0xBF }, head);

        var second = new HtmlReport("second");
        second.Save(path);
        Assert.Contains("<h1>second</h1>", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(["report.html"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_save_leaves_no_temporary_file()
    {
        string target = Path.Combine(_dir, "taken");
        Directory.CreateDirectory(target); // a folder where the file should go: the rename fails
        Assert.ThrowsAny<IOException>(() => new HtmlReport("r").Save(target));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgBlock();
}
