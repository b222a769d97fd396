namespace MLNetMixture.Reporting;

/// <summary>
/// Estimates how wide a line of text renders in a typical sans-serif font, for layout (margins, label rotation,
/// legend wrapping). SVG has no way to measure text before it is shown, so this errs on the wide side.
/// </summary>
internal static class TextMeasure
{
    public static double Width(string text, double fontSize, bool bold = false)
    {
        double em = 0;
        foreach (char c in text)
        {
            em += c switch
            {
                'i' or 'j' or 'l' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' or 'I' => 0.28,
                'f' or 't' or 'r' or '(' or ')' or '[' or ']' or ' ' or '-' => 0.36,
                'm' or 'w' or 'M' or 'W' or '%' or '@' => 0.88,
                >= '0' and <= '9' => 0.57,
                >= 'A' and <= 'Z' => 0.68,
                _ when c > 0x2E7F => 1.0, // CJK and other wide scripts
                _ => 0.55,
            };
        }

        return em * fontSize * (bold ? 1.07 : 1.0);
    }
}
