using System.Numerics;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Compute;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// The ExpConcrete distribution (PyTorch's ExpRelaxedCategorical; Maddison et al. 2017, appendix): the law of
/// <c>y = log_softmax((logits + g) / τ)</c>, the log of a Concrete draw; its log-density is given in the remarks.
/// </summary>
/// <remarks>
/// <para>
/// <c>log p(y) = log((K-1)!) + (K-1) log τ + Σ_k (log a_k - τ y_k) - K logsumexp_k(log a_k - τ y_k)</c>,
/// with <c>log a = log_softmax(logits)</c>. The sum has <c>τ y_k</c>, not the <c>(τ - 1) y_k</c> of a common
/// wrong transcription; the Concrete density at <c>x = exp(y)</c> has <c>(τ + 1) y_k</c> there, i.e. this density
/// minus <c>Σ_k y_k</c> (see <see cref="Concrete"/>).
/// </para>
/// <para>
/// Everything is computed from <c>y</c> itself, never from <c>exp(y)</c>, so points whose components are far
/// below the float32 range (log x of -100 and less at small τ) are evaluated exactly. The span functions use
/// float64 internally; the graph function is float32 on a <see cref="Tape"/>.
/// </para>
/// <para>
/// Densities use the temperature as given, with no floor; for draws made below the samplers' floor, evaluate at
/// <see cref="GumbelSoftmax.EffectiveTemperature"/> of the requested temperature.
/// </para>
/// </remarks>
public static class ExpConcrete
{
    /// <summary>The log-density at a point <paramref name="logPoint"/> on the log-simplex, in float64.</summary>
    /// <param name="logits">The K unnormalised log-probabilities.</param>
    /// <param name="logPoint">y, the K log-coordinates of a simplex point.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static double LogDensity(ReadOnlySpan<double> logits, ReadOnlySpan<double> logPoint, double temperature)
        => LogDensityCore(logits, logPoint, pointIsLog: true, temperature);

    /// <summary>The log-density at a point on the log-simplex, for float32 data; float64 internally.</summary>
    /// <inheritdoc cref="LogDensity(ReadOnlySpan{double}, ReadOnlySpan{double}, double)" path="/param"/>
    public static double LogDensity(ReadOnlySpan<float> logits, ReadOnlySpan<float> logPoint, double temperature)
        => LogDensityCore(logits, logPoint, pointIsLog: true, temperature);

    /// <summary>
    /// The log-density as graph operations, batched: logits [N, K] (or [K], shared) and log-points [N, K] give [N].
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Unnormalised log-probabilities, [N, K] or [K].</param>
    /// <param name="logPoint">Log-coordinates of simplex points, [N, K].</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static Var LogDensity(IComputeGraph graph, Var logits, Var logPoint, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        TemperatureGuard.RequirePositive(temperature, nameof(temperature));
        int k = graph.Shape(logPoint)[^1];
        if (k < 1)
        {
            throw new ArgumentException("The number of categories (the last dimension of the point) must be known and positive.", nameof(logPoint));
        }

        var s = graph.Subtract(graph.LogSoftmax(logits), graph.MultiplyScalar(logPoint, temperature));
        var density = graph.Subtract(graph.Sum(s, -1), graph.MultiplyScalar(graph.LogSumExp(s, -1), k));
        return graph.AddScalar(density, (float)NormalisingConstant(k, temperature));
    }

    /// <summary>A draw as graph operations: <c>log_softmax((logits + g) / τ)</c>; see <see cref="GumbelSoftmax.LogSample(IComputeGraph, Var, Var, float, float)"/>.</summary>
    /// <inheritdoc cref="GumbelSoftmax.TemperedLogits(IComputeGraph, Var, Var, float, float)" path="/param"/>
    public static Var Sample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
        => GumbelSoftmax.LogSample(graph, logits, uniforms, temperature, minimumTemperature);

    /// <summary><c>log((K-1)!) + (K-1) log τ</c>.</summary>
    internal static double NormalisingConstant(int k, double temperature) => ScalarMath.LogFactorial(k - 1) + ((k - 1) * Math.Log(temperature));

    /// <summary>
    /// ExpConcrete log-density at y, where y = <paramref name="point"/> or, when <paramref name="pointIsLog"/> is
    /// false, y = log(point). Two passes, no allocation.
    /// </summary>
    internal static double LogDensityCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> point, bool pointIsLog, double temperature)
        where T : IFloatingPointIeee754<T>
    {
        TemperatureGuard.RequirePositive(temperature, nameof(temperature));
        int k = logits.Length;
        if (k == 0 || point.Length != k)
        {
            throw new ArgumentException($"Expected K >= 1 logits and a point of the same length; got {k} logits and {point.Length} coordinates.");
        }

        // log a_k = logits_k - logsumexp(logits).
        double logitMax = double.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            logitMax = Math.Max(logitMax, double.CreateTruncating(logits[i]));
        }

        double logitSum = 0;
        for (int i = 0; i < k; i++)
        {
            logitSum += Math.Exp(double.CreateTruncating(logits[i]) - logitMax);
        }

        double logNormaliser = logitMax + Math.Log(logitSum);

        // s_k = log a_k - τ y_k; the density needs Σ s_k and logsumexp s_k.
        double sMax = double.NegativeInfinity;
        double sSum = 0;
        for (int i = 0; i < k; i++)
        {
            double s = S(logits[i], point[i], logNormaliser, pointIsLog, temperature);
            sSum += s;
            sMax = Math.Max(sMax, s);
        }

        double expSum = 0;
        for (int i = 0; i < k; i++)
        {
            expSum += Math.Exp(S(logits[i], point[i], logNormaliser, pointIsLog, temperature) - sMax);
        }

        return NormalisingConstant(k, temperature) + sSum - (k * (sMax + Math.Log(expSum)));
    }

    private static double S<T>(T logit, T point, double logNormaliser, bool pointIsLog, double temperature)
        where T : IFloatingPointIeee754<T>
    {
        double p = double.CreateTruncating(point);
        double y = pointIsLog ? p : Math.Log(p);
        return double.CreateTruncating(logit) - logNormaliser - (temperature * y);
    }
}
