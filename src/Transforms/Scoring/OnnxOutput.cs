namespace MLNetMixture.Transforms.Scoring;

/// <summary>One scored output: float32 or int64 values, row-major, with the full shape (first dimension = rows).</summary>
/// <param name="Name">The graph output's name.</param>
/// <param name="Shape">The shape; Shape[0] is the number of rows scored.</param>
/// <param name="Floats">The values of a float32 output, else null.</param>
/// <param name="Int64s">The values of an int64 output, else null.</param>
public sealed record OnnxOutput(string Name, long[] Shape, float[]? Floats, long[]? Int64s)
{
    /// <summary>Values per row.</summary>
    public int RowLength => Shape.Length <= 1 ? 1 : (int)Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
}
