using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The sinh-arcsinh map (Jones &amp; Pewsey 2009) <c>y = a + b · sinh(c · asinh(x) - d)</c>: a shift a, a scale b, a
/// skew d and a tail weight c (c &gt; 1 heavier, c &lt; 1 lighter tails), with the closed-form inverse
/// <c>x = sinh((asinh((y - a) / b) + d) / c)</c> and
/// <c>log|dy/dx| = log b + log c + ½ log(1 + w²) - ½ log(1 + x²)</c>, w = (y - a) / b (as cosh(asinh w) = √(1 + w²)).
/// </summary>
/// <remarks>
/// Four parameters per element, parameter-major: [a, raw log b, raw d, raw log c]. log b and d are soft-clamped to
/// ±<see cref="ScaleBound"/> and log c to ±<see cref="TailBound"/>, so the map and its inverse stay finite for any
/// conditioner output; all-zero parameters give the identity.
/// </remarks>
public sealed class SinhArcsinhBijection : IElementwiseBijection
{
    /// <summary>Creates the map.</summary>
    /// <param name="scaleBound">The bound of log b and of the skew d (positive, finite).</param>
    /// <param name="tailBound">The bound of log c (positive, finite): tails between |x|^(1/e^bound) and |x|^(e^bound).</param>
    public SinhArcsinhBijection(float scaleBound = 3f, float tailBound = 0.5f)
    {
        if (!(scaleBound > 0f) || !float.IsFinite(scaleBound))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "The scale bound must be positive and finite.");
        }

        if (!(tailBound > 0f) || !float.IsFinite(tailBound))
        {
            throw new ArgumentOutOfRangeException(nameof(tailBound), tailBound, "The tail bound must be positive and finite.");
        }

        ScaleBound = scaleBound;
        TailBound = tailBound;
    }

    /// <summary>The bound of log b and of the skew d.</summary>
    public float ScaleBound { get; }

    /// <summary>The bound of log c.</summary>
    public float TailBound { get; }

    /// <inheritdoc />
    public string Name => "SinhArcsinh";

    /// <inheritdoc />
    public int ParametersPerElement => 4;

    /// <inheritdoc />
    public ConditionerLayout Layout => ConditionerLayout.ParameterMajor;

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Forward(IComputeGraph graph, Var x, Var parameters)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (shift, logScale, skew, logTail) = Split(graph, x, parameters);
        var w = Sinh(graph, graph.Subtract(graph.Multiply(Asinh(graph, x), graph.Exp(logTail)), skew));
        var y = graph.Add(graph.Multiply(w, graph.Exp(logScale)), shift);
        return (y, LogDerivative(graph, x, w, logScale, logTail));
    }

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Inverse(IComputeGraph graph, Var y, Var parameters)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (shift, logScale, skew, logTail) = Split(graph, y, parameters);
        var w = graph.Multiply(graph.Subtract(y, shift), graph.Exp(graph.Negate(logScale)));
        var x = Sinh(graph, graph.Multiply(graph.Add(Asinh(graph, w), skew), graph.Exp(graph.Negate(logTail))));
        return (x, graph.Negate(LogDerivative(graph, x, w, logScale, logTail)));
    }

    /// <summary>log|dy/dx| = log b + log c + ½ log(1 + w²) - ½ log(1 + x²).</summary>
    private static Var LogDerivative(IComputeGraph graph, Var x, Var w, Var logScale, Var logTail) =>
        graph.Add(graph.Add(logScale, logTail), graph.Subtract(HalfLogOnePlusSquare(graph, w), HalfLogOnePlusSquare(graph, x)));

    private static Var HalfLogOnePlusSquare(IComputeGraph graph, Var v) =>
        graph.MultiplyScalar(graph.Log(graph.AddScalar(graph.Square(v), 1f)), 0.5f);

    /// <summary>sinh u = (e^u - e^-u) / 2.</summary>
    private static Var Sinh(IComputeGraph graph, Var u) =>
        graph.MultiplyScalar(graph.Subtract(graph.Exp(u), graph.Exp(graph.Negate(u))), 0.5f);

    /// <summary>asinh v = sign(v) · log(|v| + √(v² + 1)), odd by construction so negative inputs lose nothing to cancellation.</summary>
    private static Var Asinh(IComputeGraph graph, Var v)
    {
        var sign = graph.AddScalar(graph.MultiplyScalar(graph.Step(v), 2f), -1f);
        var magnitude = graph.Log(graph.Add(graph.Abs(v), graph.Sqrt(graph.AddScalar(graph.Square(v), 1f))));
        return graph.Multiply(sign, magnitude);
    }

    private (Var Shift, Var LogScale, Var Skew, Var LogTail) Split(IComputeGraph graph, Var elements, Var parameters)
    {
        int m = graph.Shape(elements)[1];
        Var Block(int j) => graph.Slice(parameters, 1, j * m, (j + 1) * m);
        return (Block(0), graph.SoftClamp(Block(1), ScaleBound), graph.SoftClamp(Block(2), ScaleBound), graph.SoftClamp(Block(3), TailBound));
    }
}
