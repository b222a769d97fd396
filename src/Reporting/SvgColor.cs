using System.Globalization;

namespace MLNetMixture.Reporting;

/// <summary>An opaque sRGB colour, written into SVG as <c>#rrggbb</c>.</summary>
/// <param name="R">Red, 0-255.</param>
/// <param name="G">Green, 0-255.</param>
/// <param name="B">Blue, 0-255.</param>
public readonly record struct SvgColor(byte R, byte G, byte B)
{
    /// <summary>Pure black.</summary>
    public static SvgColor Black => new(0, 0, 0);

    /// <summary>Pure white.</summary>
    public static SvgColor White => new(255, 255, 255);

    /// <summary>Parses <c>#rrggbb</c> or <c>rrggbb</c> (hexadecimal, either case).</summary>
    /// <param name="hex">The colour.</param>
    /// <returns>The parsed colour.</returns>
    /// <exception cref="FormatException">The text is not six hexadecimal digits.</exception>
    public static SvgColor Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ReadOnlySpan<char> digits = hex.AsSpan().TrimStart('#');
        if (digits.Length != 6 || !int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int rgb))
        {
            throw new FormatException($"'{hex}' is not a colour of the form #rrggbb.");
        }

        return new SvgColor((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
    }

    /// <summary>Interpolates between two colours channel by channel.</summary>
    /// <param name="from">The colour at <paramref name="t"/> = 0.</param>
    /// <param name="to">The colour at <paramref name="t"/> = 1.</param>
    /// <param name="t">The position, clamped to [0, 1].</param>
    /// <returns>The blended colour.</returns>
    public static SvgColor Lerp(SvgColor from, SvgColor to, double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        return new SvgColor(Mix(from.R, to.R, t), Mix(from.G, to.G, t), Mix(from.B, to.B, t));
    }

    /// <summary>The WCAG relative luminance, 0 (black) to 1 (white).</summary>
    public double RelativeLuminance => (0.2126 * Linear(R)) + (0.7152 * Linear(G)) + (0.0722 * Linear(B));

    /// <summary>Black or white, whichever has the higher WCAG contrast ratio against this colour (for text drawn on it).</summary>
    public SvgColor ContrastingText
    {
        get
        {
            double l = RelativeLuminance;
            double againstBlack = (l + 0.05) / 0.05;
            double againstWhite = 1.05 / (l + 0.05);
            return againstBlack >= againstWhite ? new SvgColor(0x1a, 0x1a, 0x1a) : White;
        }
    }

    /// <summary>The colour as <c>#rrggbb</c> (lower case).</summary>
    /// <returns>The hexadecimal form.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#{R:x2}{G:x2}{B:x2}");

    private static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + ((b - a) * t));

    private static double Linear(byte channel)
    {
        double c = channel / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
    }
}
