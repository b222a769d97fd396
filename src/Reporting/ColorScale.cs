namespace MLNetMixture.Reporting;

/// <summary>
/// A continuous colour scale: evenly spaced colour stops, interpolated linearly between neighbours.
/// Positions are clamped to [0, 1]; NaN maps to <see cref="MissingColor"/>.
/// </summary>
public sealed class ColorScale
{
    private readonly SvgColor[] _stops;

    /// <summary>Creates a scale from at least two stops, the first at position 0 and the last at 1.</summary>
    /// <param name="name">A short name, for messages.</param>
    /// <param name="stops">The colours, evenly spaced.</param>
    /// <param name="missingColor">The colour of NaN positions.</param>
    /// <exception cref="ArgumentException">Fewer than two stops.</exception>
    public ColorScale(string name, IReadOnlyList<SvgColor> stops, SvgColor missingColor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(stops);
        if (stops.Count < 2)
        {
            throw new ArgumentException($"Colour scale '{name}' needs at least two stops; got {stops.Count}.", nameof(stops));
        }

        Name = name;
        _stops = [.. stops];
        MissingColor = missingColor;
    }

    /// <summary>
    /// A perceptually ordered sequential scale from dark blue-violet through teal and green to yellow (viridis-like):
    /// lightness rises monotonically, so order survives greyscale printing and common colour-vision deficiencies.
    /// </summary>
    public static ColorScale Viridis { get; } = FromHex(
        "viridis", "#bdbdbd", "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725");

    /// <summary>A single-hue sequential scale from near-white to deep blue: light means little, dark means much (counts, fractions).</summary>
    public static ColorScale Blues { get; } = FromHex(
        "blues", "#bdbdbd", "#f5f9fd", "#dde9f5", "#c3d8ec", "#9cc3e0", "#6ea6d3", "#4689c2", "#286db0", "#13508f", "#0a3363");

    /// <summary>A diverging scale, blue (0) through near-white (0.5) to red (1), for signed quantities centred on zero.</summary>
    public static ColorScale BlueWhiteRed { get; } = FromHex(
        "blue-white-red", "#bdbdbd", "#1d4f91", "#3f7fbd", "#8dbadb", "#d3e4f0", "#f6f6f4", "#f5d6c6", "#e59a7c", "#c9533f", "#962023");

    /// <summary>The scale's name.</summary>
    public string Name { get; }

    /// <summary>The colour stops, evenly spaced from position 0 to 1.</summary>
    public IReadOnlyList<SvgColor> Stops => _stops;

    /// <summary>The colour given to NaN positions.</summary>
    public SvgColor MissingColor { get; }

    /// <summary>The colour at a position in [0, 1] (clamped; NaN gives <see cref="MissingColor"/>).</summary>
    /// <param name="position">0 is the first stop, 1 the last.</param>
    /// <returns>The interpolated colour.</returns>
    public SvgColor Map(double position)
    {
        if (double.IsNaN(position))
        {
            return MissingColor;
        }

        double p = Math.Clamp(position, 0, 1) * (_stops.Length - 1);
        int i = Math.Min((int)Math.Floor(p), _stops.Length - 2);
        return SvgColor.Lerp(_stops[i], _stops[i + 1], p - i);
    }

    /// <summary>The colour of <paramref name="value"/> on the range [<paramref name="min"/>, <paramref name="max"/>] (clamped; a degenerate range maps to the middle).</summary>
    /// <param name="value">The value.</param>
    /// <param name="min">The value at the first stop.</param>
    /// <param name="max">The value at the last stop.</param>
    /// <returns>The interpolated colour.</returns>
    public SvgColor Map(double value, double min, double max)
    {
        if (double.IsNaN(value))
        {
            return MissingColor;
        }

        if (!(max > min))
        {
            return Map(0.5);
        }

        return Map(double.IsPositiveInfinity(value) ? 1 : double.IsNegativeInfinity(value) ? 0 : (value - min) / (max - min));
    }

    private static ColorScale FromHex(string name, string missing, params string[] stops) =>
        new(name, [.. stops.Select(SvgColor.Parse)], SvgColor.Parse(missing));
}
