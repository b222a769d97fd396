using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// The Concrete distribution (PyTorch's RelaxedOneHotCategorical; Maddison et al. 2017), the law of the
/// Gumbel-softmax sample <c>x = softmax((logits + g) / τ)</c> on the simplex.
/// </summary>
/// <remarks>
/// With <c>x = exp(y)</c> and y an <see cref="ExpConcrete"/> draw, the change of variables on the simplex gives
/// <c>log p_Concrete(x) = log p_ExpConcrete(log x) - Σ_k log x_k</c>. The <c>FromLog</c> functions take the
/// point as <c>log x</c>, which is how the samplers produce it (<see cref="GumbelSoftmax.LogSample(IComputeGraph, Var, Var, float, float)"/>)
/// and the only exact representation when components of x underflow float32 (below about 1e-38, which happens
/// at small τ).
/// </remarks>
public static class Concrete
{
    /// <summary>The log-density at a simplex point <paramref name="point"/>, in float64.</summary>
    /// <param name="logits">The K unnormalised log-probabilities.</param>
    /// <param name="point">x, K positive coordinates summing to 1.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static double LogDensity(ReadOnlySpan<double> logits, ReadOnlySpan<double> point, double temperature)
        => ExpConcrete.LogDensityCore(logits, point, pointIsLog: false, temperature) - SumOfLogs(point);

    /// <summary>The log-density at a simplex point, for float32 data; float64 internally.</summary>
    /// <inheritdoc cref="LogDensity(ReadOnlySpan{double}, ReadOnlySpan{double}, double)" path="/param"/>
    public static double LogDensity(ReadOnlySpan<float> logits, ReadOnlySpan<float> point, double temperature)
        => ExpConcrete.LogDensityCore(logits, point, pointIsLog: false, temperature) - SumOfLogs(point);

    /// <summary>The log-density at the simplex point <c>exp(logPoint)</c>, in float64.</summary>
    /// <param name="logits">The K unnormalised log-probabilities.</param>
    /// <param name="logPoint">log x, the log-coordinates of the point.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static double LogDensityFromLog(ReadOnlySpan<double> logits, ReadOnlySpan<double> logPoint, double temperature)
        => ExpConcrete.LogDensity(logits, logPoint, temperature) - Sum(logPoint);

    /// <summary>The log-density at the simplex point <c>exp(logPoint)</c>, for float32 data; float64 internally.</summary>
    /// <inheritdoc cref="LogDensityFromLog(ReadOnlySpan{double}, ReadOnlySpan{double}, double)" path="/param"/>
    public static double LogDensityFromLog(ReadOnlySpan<float> logits, ReadOnlySpan<float> logPoint, double temperature)
    {
        double sum = 0;
        foreach (float v in logPoint)
        {
            sum += v;
        }

        return ExpConcrete.LogDensity(logits, logPoint, temperature) - sum;
    }

    /// <summary>The log-density as graph operations: logits [N, K] (or [K]) and points x [N, K] give [N].</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Unnormalised log-probabilities, [N, K] or [K].</param>
    /// <param name="point">Simplex points, [N, K], all coordinates positive.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static Var LogDensity(IComputeGraph graph, Var logits, Var point, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return LogDensityFromLog(graph, logits, graph.Log(point), temperature);
    }

    /// <summary>The log-density at <c>exp(logPoint)</c> as graph operations: logits [N, K] (or [K]) and log-points [N, K] give [N].</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Unnormalised log-probabilities, [N, K] or [K].</param>
    /// <param name="logPoint">log x, [N, K].</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static Var LogDensityFromLog(IComputeGraph graph, Var logits, Var logPoint, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Subtract(ExpConcrete.LogDensity(graph, logits, logPoint, temperature), graph.Sum(logPoint, -1));
    }

    /// <summary>A draw as graph operations: <c>softmax((logits + g) / τ)</c>; see <see cref="GumbelSoftmax.Sample(IComputeGraph, Var, Var, float, float)"/>.</summary>
    /// <inheritdoc cref="GumbelSoftmax.TemperedLogits(IComputeGraph, Var, Var, float, float)" path="/param"/>
    public static Var Sample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
        => GumbelSoftmax.Sample(graph, logits, uniforms, temperature, minimumTemperature);

    private static double SumOfLogs<T>(ReadOnlySpan<T> point)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (var v in point)
        {
            sum += Math.Log(double.CreateTruncating(v));
        }

        return sum;
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        return sum;
    }
}
