using System.Globalization;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Data;

public sealed class DecimalFloatParserTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("+1.5")]
    [InlineData("16777217")]
    [InlineData("0.1")]
    [InlineData("-3.40282347E+38")]
    [InlineData("1.17549435E-38")]
    [InlineData("1.4E-45")]
    [InlineData("6.02e23")]
    [InlineData("1e-8")]
    [InlineData("12345678901234567890")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void Special_and_edge_texts_parse_as_float_parse_does(string text)
    {
        bool expectedOk = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float expected);
        Assert.Equal(expectedOk, DecimalFloatParser.TryParse(text, out float actual));
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1,5")]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("0x10")]
    public void Text_that_is_not_a_number_fails(string text) => Assert.False(DecimalFloatParser.TryParse(text, out _));

    [Fact]
    public void Two_million_random_decimals_parse_to_the_same_bits_as_float_parse()
    {
        var random = new Random(11);
        string[] formats = ["R", "G6", "G9", "F3", "F8", "E3", "0.########"];
        int fast = 0;
        for (int i = 0; i < 2_000_000; i++)
        {
            // Values over many magnitudes, and decimal strings of random digits (many fall near rounding midpoints).
            string text = (i % 3) switch
            {
                0 => ((float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-12, 12)))).ToString(formats[i % formats.Length], CultureInfo.InvariantCulture),
                1 => string.Create(CultureInfo.InvariantCulture, $"{random.NextInt64(0, 1_000_000_000_000_000)}e{random.Next(-30, 25)}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"{(random.Next(2) == 0 ? "-" : string.Empty)}{random.Next(0, 100_000)}.{random.NextInt64(0, 10_000_000_000).ToString(CultureInfo.InvariantCulture).PadLeft(random.Next(1, 11), '0')}"),
            };
            Assert.True(float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float expected), text);
            if (DecimalFloatParser.TryParsePlainDecimal(text, out float actual))
            {
                fast++;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{text}: {expected:R} expected, {actual:R} from the fast path");
            }
        }

        Assert.True(fast > 500_000, $"only {fast} of 2,000,000 texts took the fast path");
    }
}
