using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The affine map <c>y = x · exp(s) + t</c> with a soft-clamped log-scale s = bound · tanh(raw / bound), so one map
/// scales by at most e^±bound; log|dy/dx| = s. Parameters are laid out parameter-major: two blocks of M columns, the
/// raw log-scale block first, or the shift block first when <see cref="ShiftFirst"/>.
/// </summary>
public sealed class SoftClampedAffineBijection : IElementwiseBijection
{
    /// <summary>Creates the map.</summary>
    /// <param name="scaleBound">The bound of the log-scale (positive, finite).</param>
    /// <param name="shiftFirst">
    /// Put the shift block before the log-scale block (the layout of <see cref="MaskedAutoregressiveLayer"/>'s
    /// network; <see cref="AffineCouplingLayer"/>'s conditioner puts the log-scale first).
    /// </param>
    public SoftClampedAffineBijection(float scaleBound = 3f, bool shiftFirst = false)
    {
        if (!(scaleBound > 0f) || !float.IsFinite(scaleBound))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "The scale bound must be positive and finite.");
        }

        ScaleBound = scaleBound;
        ShiftFirst = shiftFirst;
    }

    /// <summary>The bound of the log-scale: |s| &lt; <see cref="ScaleBound"/>.</summary>
    public float ScaleBound { get; }

    /// <summary>Whether the shift block comes before the log-scale block.</summary>
    public bool ShiftFirst { get; }

    /// <inheritdoc />
    public string Name => "Affine";

    /// <inheritdoc />
    public int ParametersPerElement => 2;

    /// <inheritdoc />
    public ConditionerLayout Layout => ConditionerLayout.ParameterMajor;

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Forward(IComputeGraph graph, Var x, Var parameters)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (logScale, shift) = LogScaleAndShift(graph, x, parameters);
        return (graph.Add(graph.Multiply(x, graph.Exp(logScale)), shift), logScale);
    }

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Inverse(IComputeGraph graph, Var y, Var parameters)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (logScale, shift) = LogScaleAndShift(graph, y, parameters);
        return (graph.Multiply(graph.Subtract(y, shift), graph.Exp(graph.Negate(logScale))), graph.Negate(logScale));
    }

    private (Var LogScale, Var Shift) LogScaleAndShift(IComputeGraph graph, Var elements, Var parameters)
    {
        int m = graph.Shape(elements)[1];
        int scaleBlock = ShiftFirst ? m : 0, shiftBlock = ShiftFirst ? 0 : m;
        var logScale = graph.SoftClamp(graph.Slice(parameters, 1, scaleBlock, scaleBlock + m), ScaleBound);
        return (logScale, graph.Slice(parameters, 1, shiftBlock, shiftBlock + m));
    }
}
