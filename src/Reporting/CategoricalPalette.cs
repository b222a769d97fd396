namespace MLNetMixture.Reporting;

/// <summary>
/// Ten distinct colours for categories (series, experts, classes), chosen to stay apart from one another on white,
/// to keep a readable contrast against it, and to differ in lightness as well as hue. Indices past the end wrap around.
/// </summary>
public static class CategoricalPalette
{
    private static readonly SvgColor[] Colors =
    [
        SvgColor.Parse("#2f6db3"), // blue
        SvgColor.Parse("#e3781c"), // orange
        SvgColor.Parse("#2e9a57"), // green
        SvgColor.Parse("#c8383a"), // red
        SvgColor.Parse("#7f5ab8"), // violet
        SvgColor.Parse("#8b5a3c"), // brown
        SvgColor.Parse("#d063a8"), // pink
        SvgColor.Parse("#5f6770"), // slate
        SvgColor.Parse("#a39a1a"), // olive
        SvgColor.Parse("#1ba3b8"), // teal
    ];

    /// <summary>The number of distinct colours before they repeat.</summary>
    public static int Count => Colors.Length;

    /// <summary>The colour of category <paramref name="index"/> (wrapping around after <see cref="Count"/>).</summary>
    /// <param name="index">A non-negative category index.</param>
    /// <returns>The category's colour.</returns>
    public static SvgColor Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Colors[index % Colors.Length];
    }
}
