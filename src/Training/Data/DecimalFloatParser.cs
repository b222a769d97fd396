using System.Globalization;

namespace MLNetMixture.Training.Data;

/// <summary>
/// Parses the plain decimal numbers CSV files mostly hold (<c>-12.345</c>, <c>6.02e3</c>) to float32 several times faster
/// than <see cref="float.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out float)"/>, with the very same
/// result, and leaves every other text (more digits, large exponents, NaN, Infinity, bad input) to it.
/// </summary>
/// <remarks>
/// The fast path reads the digits into an integer m below 10^15 and a scale k (value = m / 10^k). For 0 &lt;= k &lt;= 8 it
/// computes m / 10^k in float64, one correctly rounded operation on exact operands, and rounds that to float32. Rounding
/// twice gives the correctly rounded float32 because the exact quotient is never closer to a float32 rounding midpoint
/// than float64's rounding error: a midpoint is p / 2^q with 2^q · v &lt; 2^25, so a quotient that is not on it lies at
/// least 1 / (2^25 · 10^k) &gt;= 2.9e-16 of v away, more than float64's half ulp (1.1e-16 of v); one that is on it is a
/// float64 exactly and both roundings break the tie alike. For k &lt; 0 it multiplies by an exact power of ten only when
/// the product is an integer below 2^53, so exact.
/// </remarks>
internal static class DecimalFloatParser
{
    private const ulong MantissaLimit = 1_000_000_000_000_000;
    private const double ExactIntegerLimit = 9007199254740992.0; // 2^53

    private static readonly double[] PowersOfTen =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Parses <paramref name="text"/> (no surrounding white space) as <see cref="float.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out float)"/> does with <see cref="NumberStyles.Float"/> and the invariant culture.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out float value) =>
        TryParsePlainDecimal(text, out value) || float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>The fast path: false (and 0) for any text it does not handle exactly.</summary>
    internal static bool TryParsePlainDecimal(ReadOnlySpan<char> text, out float value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (text.Length > 0 && (text[0] == '-' || text[0] == '+'))
        {
            negative = text[0] == '-';
            i = 1;
        }

        ulong mantissa = 0;
        int scale = 0;
        bool anyDigit = false;
        for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
        {
            mantissa = (mantissa * 10) + (uint)(text[i] - '0');
            anyDigit = true;
            if (mantissa >= MantissaLimit)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            {
                mantissa = (mantissa * 10) + (uint)(text[i] - '0');
                scale++;
                anyDigit = true;
                if (mantissa >= MantissaLimit)
                {
                    return false;
                }
            }
        }

        if (!anyDigit)
        {
            return false;
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            bool negativeExponent = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                negativeExponent = text[i] == '-';
                i++;
            }

            int start = i, exponent = 0;
            for (; i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3; i++)
            {
                exponent = (exponent * 10) + (text[i] - '0');
            }

            if (i == start)
            {
                return false;
            }

            scale += negativeExponent ? exponent : -exponent;
        }

        if (i != text.Length)
        {
            return false;
        }

        double result;
        if (mantissa == 0)
        {
            result = 0;
        }
        else if (scale is >= 0 and <= 8)
        {
            result = mantissa / PowersOfTen[scale];
        }
        else if (scale is < 0 and >= -22 && mantissa * PowersOfTen[-scale] < ExactIntegerLimit)
        {
            result = mantissa * PowersOfTen[-scale];
        }
        else
        {
            return false;
        }

        value = (float)(negative ? -result : result);
        return true;
    }
}
