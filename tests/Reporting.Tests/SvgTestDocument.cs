using System.Globalization;
using System.Xml.Linq;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

/// <summary>Parses SVG output with System.Xml.Linq and finds elements by name and CSS class.</summary>
internal sealed class SvgTestDocument
{
    public static readonly XNamespace Ns = SvgWriter.Namespace;

    private SvgTestDocument(XElement root) => Root = root;

    public XElement Root { get; }

    /// <summary>Parses the markup (failing the test when it is not well-formed) and checks the root is svg in the SVG namespace.</summary>
    public static SvgTestDocument Parse(string svg)
    {
        var doc = XDocument.Parse(svg);
        Assert.NotNull(doc.Root);
        Assert.Equal(Ns + "svg", doc.Root!.Name);
        return new SvgTestDocument(doc.Root);
    }

    public IEnumerable<XElement> Elements(string name) => Root.Descendants(Ns + name);

    public List<XElement> WithClass(string name, string cssClass) =>
        [.. Elements(name).Where(e => HasClass(e, cssClass))];

    /// <summary>The text elements a reader sees (not the outlines drawn behind haloed text).</summary>
    public List<string> VisibleTexts() =>
        [.. Elements("text").Where(e => !HasClass(e, "halo")).Select(e => e.Nodes().OfType<XText>().Aggregate(string.Empty, (s, t) => s + t.Value))];

    public static bool HasClass(XElement e, string cssClass) =>
        ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true;

    public static double Number(XElement e, string attribute) =>
        double.Parse(e.Attribute(attribute)?.Value ?? throw new InvalidOperationException($"<{e.Name.LocalName}> has no {attribute}"), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The ownText of an element (without its title tooltip).</summary>
    public static string OwnText(XElement e) => e.Nodes().OfType<XText>().Aggregate(string.Empty, (s, t) => s + t.Value);

    /// <summary>Every numeric geometry attribute in the document parses as an invariant-culture number.</summary>
    public void AssertInvariantNumbers()
    {
        string[] numeric = ["x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r", "font-size", "stroke-width", "opacity"];
        foreach (var e in Root.DescendantsAndSelf())
        {
            foreach (string name in numeric)
            {
                if (e.Attribute(name) is { } a)
                {
                    Assert.True(double.TryParse(a.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"{e.Name.LocalName}@{name}='{a.Value}' is not an invariant number");
                    Assert.DoesNotContain(",", a.Value, StringComparison.Ordinal);
                }
            }

            if (e.Name == Ns + "polyline")
            {
                foreach (string pair in e.Attribute("points")!.Value.Split(' '))
                {
                    string[] xy = pair.Split(',');
                    Assert.Equal(2, xy.Length);
                    Assert.All(xy, v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
