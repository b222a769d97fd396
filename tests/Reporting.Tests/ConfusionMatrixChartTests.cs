using System.Globalization;
using MLNetMixture.Reporting;

namespace MLNetMixture.Reporting.Tests;

public sealed class ConfusionMatrixChartTests
{
    private static readonly int[,] Counts = { { 50, 3, 0 }, { 7, 40, 2 }, { 1, 12, 30 } };

    [Fact]
    public void There_are_C_times_C_cells_with_their_counts_as_text()
    {
        var chart = new ConfusionMatrixChart(Counts, ["cat", "dog", "bird"]) { Title = "test set" };
        var svg = SvgTestDocument.Parse(chart.ToSvg());
        Assert.Equal(9, svg.WithClass("rect", "cell").Count);
        Assert.Equal(3, svg.WithClass("rect", "diagonal").Count);
        var counts = svg.WithClass("text", "count").Select(SvgTestDocument.OwnText).ToList();
        Assert.Equal(Counts.Cast<int>().Select(c => c.ToString(CultureInfo.InvariantCulture)), counts);

        // Each class name appears on both axes; axis titles are there.
        var texts = svg.VisibleTexts();
        Assert.All(new[] { "cat", "dog", "bird" }, name => Assert.Equal(2, texts.Count(t => t == name)));
        Assert.Contains("Predicted", texts);
        Assert.Contains("Actual", texts);
        Assert.Equal("actual dog, predicted cat: 7 (14.3% of row)", svg.WithClass("rect", "cell")[3].Element(SvgTestDocument.Ns + "title")?.Value);
    }

    [Fact]
    public void Cells_are_placed_actual_down_and_predicted_across()
    {
        var cells = SvgTestDocument.Parse(new ConfusionMatrixChart(Counts, ["a", "b", "c"]).ToSvg()).WithClass("rect", "cell");
        Assert.Equal(SvgTestDocument.Number(cells[0], "y"), SvgTestDocument.Number(cells[2], "y"));
        Assert.True(SvgTestDocument.Number(cells[3], "y") > SvgTestDocument.Number(cells[0], "y"));
        Assert.Equal(SvgTestDocument.Number(cells[0], "x"), SvgTestDocument.Number(cells[3], "x"));
        Assert.Equal(SvgTestDocument.Number(cells[0], "width"), SvgTestDocument.Number(cells[0], "height"));
    }

    [Fact]
    public void Text_colour_contrasts_with_the_cell()
    {
        var svg = SvgTestDocument.Parse(new ConfusionMatrixChart(Counts, ["a", "b", "c"]).ToSvg());
        var cells = svg.WithClass("rect", "cell");
        var counts = svg.WithClass("text", "count");
        Assert.Equal(ColorScale.Blues.Map(1).ToString(), (string?)cells[0].Attribute("fill")); // the largest count
        Assert.Equal("#ffffff", (string?)counts[0].Attribute("fill"));
        Assert.Equal(ColorScale.Blues.Map(0).ToString(), (string?)cells[2].Attribute("fill")); // zero
        Assert.NotEqual("#ffffff", (string?)counts[2].Attribute("fill"));
        for (int i = 0; i < 9; i++)
        {
            var background = SvgColor.Parse((string)cells[i].Attribute("fill")!);
            Assert.Equal(background.ContrastingText.ToString(), (string?)counts[i].Attribute("fill"));
        }
    }

    [Fact]
    public void Row_normalisation_colours_by_share_of_the_row_and_adds_percentages()
    {
        long[,] counts = { { 10, 0 }, { 500, 500 } };
        string Fill(ConfusionMatrixChart c, int i) => (string?)SvgTestDocument.Parse(c.ToSvg()).WithClass("rect", "cell")[i].Attribute("fill") ?? string.Empty;
        var raw = new ConfusionMatrixChart(counts, ["x", "y"]);
        var normalised = new ConfusionMatrixChart(counts, ["x", "y"]) { RowNormalized = true };
        Assert.NotEqual(Fill(raw, 0), Fill(raw, 3));
        Assert.Equal(ColorScale.Blues.Map(1).ToString(), Fill(normalised, 0));
        Assert.Equal(ColorScale.Blues.Map(0.5).ToString(), Fill(normalised, 3));
        var svg = SvgTestDocument.Parse(normalised.ToSvg());
        Assert.Equal(["100%", "0%", "50%", "50%"], svg.WithClass("text", "percent").Select(SvgTestDocument.OwnText));
        Assert.Equal(["10", "0", "500", "500"], svg.WithClass("text", "count").Select(SvgTestDocument.OwnText));
    }

    [Fact]
    public void A_row_without_examples_is_coloured_as_zero_not_missing()
    {
        var svg = SvgTestDocument.Parse(new ConfusionMatrixChart(new long[,] { { 0, 0 }, { 1, 2 } }, ["a", "b"]) { RowNormalized = true }.ToSvg());
        Assert.Equal(ColorScale.Blues.Map(0).ToString(), (string?)svg.WithClass("rect", "cell")[0].Attribute("fill"));
    }

    [Fact]
    public void Class_labels_are_escaped_and_numbers_invariant()
    {
        using var culture = new CultureScope("de-DE");
        var svg = SvgTestDocument.Parse(new ConfusionMatrixChart(new[,] { { 1234567, 1 }, { 2, 3 } }, ["<A&B>", "\"b\""]) { RowNormalized = true }.ToSvg());
        Assert.Equal(2, svg.VisibleTexts().Count(t => t == "<A&B>"));
        Assert.Contains("1234567", svg.WithClass("text", "count").Select(SvgTestDocument.OwnText));
        Assert.Contains(svg.Elements("title"), t => t.Value.Contains("(100.0% of row)", StringComparison.Ordinal));
        svg.AssertInvariantNumbers();
    }

    [Fact]
    public void Ten_classes_with_long_names_get_slanted_column_labels()
    {
        string[] names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
        var counts = new int[10, 10];
        for (int i = 0; i < 10; i++)
        {
            counts[i, i] = 90;
            counts[i, (i + 1) % 10] = 10;
        }

        var svg = SvgTestDocument.Parse(new ConfusionMatrixChart(counts, names).ToSvg());
        Assert.Equal(100, svg.WithClass("rect", "cell").Count);
        Assert.Equal(100, svg.WithClass("text", "count").Count);
        var slanted = svg.Elements("text").Where(t => ((string?)t.Attribute("transform"))?.StartsWith("rotate(-40", StringComparison.Ordinal) == true).Select(SvgTestDocument.OwnText);
        Assert.Equal(names, slanted);
    }

    [Fact]
    public void Twenty_six_classes_get_cells_of_a_readable_size()
    {
        string[] letters = [.. Enumerable.Range(0, 26).Select(i => ((char)('A' + i)).ToString())];
        var counts = new int[26, 26];
        for (int i = 0; i < 26; i++)
        {
            counts[i, i] = 150;
            counts[i, (i + 1) % 26] = 3;
        }

        var chart = new ConfusionMatrixChart(counts, letters) { Title = "letter" };
        var cells = SvgTestDocument.Parse(chart.ToSvg()).WithClass("rect", "cell");
        Assert.Equal(26 * 26, cells.Count);
        Assert.All(cells, c => Assert.True(SvgTestDocument.Number(c, "width") >= 24, $"cell width {SvgTestDocument.Number(c, "width")}"));
    }

    [Fact]
    public void Malformed_matrices_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ConfusionMatrixChart(new int[0, 0], []));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrixChart(new int[2, 3], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrixChart(new int[2, 2], ["a"]));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrixChart(new[,] { { 1, -1 }, { 0, 0 } }, ["a", "b"]));
    }
}
