using System.Globalization;
using System.Text;

namespace MLNetMixture.Reporting;

/// <summary>Culture-independent number formatting and XML escaping shared by the SVG and HTML writers.</summary>
internal static class SvgFormat
{
    /// <summary>A coordinate or length: invariant culture, at most two decimals, no exponent, never "-0".</summary>
    public static string Number(double value, string what = "value")
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(what, value, $"SVG {what} must be a finite number.");
        }

        double rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            return "0";
        }

        return rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Escapes text for XML content or a double-quoted attribute: &amp;, &lt;, &gt;, quotes; characters that XML 1.0
    /// forbids (most control characters, lone surrogates) become U+FFFD.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            };
            if (replacement is null)
            {
                bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                if (pair)
                {
                    sb?.Append(c).Append(text[i + 1]);
                    i++;
                    continue;
                }

                if (!IsXmlChar(c))
                {
                    replacement = "\uFFFD";
                }
            }

            if (replacement is null)
            {
                sb?.Append(c);
                continue;
            }

            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(replacement);
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>Checks a CSS class name (letters, digits, '-', '_', spaces between several names).</summary>
    public static string CssClass(string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ' '))
        {
            throw new ArgumentException($"'{name}' is not a valid CSS class name (use letters, digits, '-' and '_').", nameof(name));
        }

        return name;
    }

    private static bool IsXmlChar(char c) =>
        c is '\t' or '\n' or '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
}
