using System.Text;

namespace MLNetMixture.Reporting;

/// <summary>Builds the <c>d</c> attribute of an SVG path from absolute move, line and close commands.</summary>
public sealed class SvgPathData
{
    private readonly StringBuilder _d = new();

    /// <summary>Whether no command has been added.</summary>
    public bool IsEmpty => _d.Length == 0;

    /// <summary>Starts a new sub-path at a point.</summary>
    /// <param name="x">The horizontal coordinate.</param>
    /// <param name="y">The vertical coordinate.</param>
    /// <returns>This builder.</returns>
    public SvgPathData MoveTo(double x, double y) => Command('M', x, y);

    /// <summary>Draws a straight line to a point.</summary>
    /// <param name="x">The horizontal coordinate.</param>
    /// <param name="y">The vertical coordinate.</param>
    /// <returns>This builder.</returns>
    public SvgPathData LineTo(double x, double y)
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("A path must start with MoveTo.");
        }

        return Command('L', x, y);
    }

    /// <summary>Closes the current sub-path with a line back to its start.</summary>
    /// <returns>This builder.</returns>
    public SvgPathData Close()
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("A path must start with MoveTo.");
        }

        _d.Append('Z');
        return this;
    }

    /// <summary>The path data, e.g. <c>M1 2L3 4Z</c>.</summary>
    /// <returns>The <c>d</c> attribute's value.</returns>
    public override string ToString() => _d.ToString();

    private SvgPathData Command(char c, double x, double y)
    {
        _d.Append(c).Append(SvgFormat.Number(x, "path x")).Append(' ').Append(SvgFormat.Number(y, "path y"));
        return this;
    }
}
