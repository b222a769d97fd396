using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// The binary Concrete distribution (PyTorch's RelaxedBernoulli; Maddison et al. 2017), a relaxation of
/// Bernoulli(sigmoid(logit)): <c>x = sigmoid(y)</c> with the logit-space variable
/// <c>y = (logit + log u - log(1 - u)) / τ</c>, u ~ Uniform(0, 1).
/// </summary>
/// <remarks>
/// y is logistic with location logit/τ and scale 1/τ, so with <c>z = logit - τ y</c>
/// <c>log p(y) = log τ + z - 2 softplus(z)</c>, and by the change of variables x = sigmoid(y)
/// <c>log p(x) = log p(logit(x)) - log x - log(1 - x)</c>. Uniforms are clamped as in
/// <see cref="Gumbel.ClampUniform"/>. Near x = 0 or 1 float32 cannot represent x accurately at small τ: use the
/// logit-space functions there.
/// </remarks>
public static class BinaryConcrete
{
    /// <summary>The log-density at <paramref name="point"/> x in (0, 1), in float64.</summary>
    /// <param name="logit">The Bernoulli logit, log(p / (1 - p)).</param>
    /// <param name="point">x in (0, 1).</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static double LogDensity(double logit, double point, double temperature)
    {
        double logX = Math.Log(point);
        double log1mX = LogOnePlus(-point);
        return LogDensityAtLogit(logit, logX - log1mX, temperature) - logX - log1mX;
    }

    /// <summary>The log-density of the logit-space variable y = logit(x) at <paramref name="logitPoint"/>, in float64.</summary>
    /// <param name="logit">The Bernoulli logit.</param>
    /// <param name="logitPoint">y, any real.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static double LogDensityAtLogit(double logit, double logitPoint, double temperature)
    {
        TemperatureGuard.RequirePositive(temperature, nameof(temperature));
        double z = logit - (temperature * logitPoint);
        return Math.Log(temperature) + z - (2 * Softplus(z));
    }

    /// <summary>One draw x = sigmoid((logit + log u - log(1 - u)) / τ) from a given uniform, in float64 internally.</summary>
    /// <param name="logit">The Bernoulli logit.</param>
    /// <param name="uniform">u in [0, 1]; clamped as in <see cref="Gumbel.ClampUniform"/>.</param>
    /// <param name="temperature">τ &gt; 0, raised to <paramref name="minimumTemperature"/>.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public static float Sample(float logit, float uniform, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        double tau = GumbelSoftmax.EffectiveTemperature(temperature, minimumTemperature);
        double u = Gumbel.ClampUniform(uniform);
        double y = (logit + Math.Log(u) - LogOnePlus(-u)) / tau;
        return (float)(1 / (1 + Math.Exp(-y)));
    }

    /// <summary>One draw, consuming one uniform from <paramref name="random"/>.</summary>
    /// <param name="logit">The Bernoulli logit.</param>
    /// <param name="random">The noise source.</param>
    /// <param name="temperature">τ &gt; 0, raised to <paramref name="minimumTemperature"/>.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public static float Sample(float logit, RandomSource random, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Sample(logit, random.NextOpenUniform(), temperature, minimumTemperature);
    }

    /// <summary>The logit-space draw <c>y = (logit + log u - log(1 - u)) / τ</c> as graph operations (element-wise, broadcasting).</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Bernoulli logits.</param>
    /// <param name="uniforms">Uniforms in [0, 1] broadcasting with <paramref name="logits"/>.</param>
    /// <param name="temperature">τ &gt; 0, raised to <paramref name="minimumTemperature"/>.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public static Var LogitSample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        float tau = GumbelSoftmax.EffectiveTemperature(temperature, minimumTemperature);
        var u = graph.Clamp(uniforms, Gumbel.UniformEpsilon, Gumbel.UniformUpperBound);
        var logistic = graph.Subtract(graph.Log(u), graph.Log(graph.AddScalar(graph.Negate(u), 1f)));
        var y = graph.Add(logits, logistic);
        return tau == 1f ? y : graph.MultiplyScalar(y, 1f / tau);
    }

    /// <summary>The draw <c>x = sigmoid(y)</c> as graph operations; see <see cref="LogitSample"/>.</summary>
    /// <inheritdoc cref="LogitSample" path="/param"/>
    public static Var Sample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Sigmoid(LogitSample(graph, logits, uniforms, temperature, minimumTemperature));
    }

    /// <summary>The log-density at points x in (0, 1) as graph operations (element-wise, broadcasting).</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Bernoulli logits.</param>
    /// <param name="point">x in (0, 1).</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static Var LogDensity(IComputeGraph graph, Var logits, Var point, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var logX = graph.Log(point);
        var log1mX = graph.Log(graph.AddScalar(graph.Negate(point), 1f));
        var density = LogDensityAtLogit(graph, logits, graph.Subtract(logX, log1mX), temperature);
        return graph.Subtract(density, graph.Add(logX, log1mX));
    }

    /// <summary>The log-density of the logit-space variable at <paramref name="logitPoint"/> as graph operations.</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Bernoulli logits.</param>
    /// <param name="logitPoint">y = logit(x), any real.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public static Var LogDensityAtLogit(IComputeGraph graph, Var logits, Var logitPoint, float temperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        TemperatureGuard.RequirePositive(temperature, nameof(temperature));
        var z = graph.Subtract(logits, graph.MultiplyScalar(logitPoint, temperature));
        var density = graph.Subtract(z, graph.MultiplyScalar(graph.Softplus(z), 2f));
        return graph.AddScalar(density, MathF.Log(temperature));
    }

    private static double Softplus(double x) => Math.Max(x, 0) + LogOnePlus(Math.Exp(-Math.Abs(x)));

    /// <summary>log(1 + x), accurate for small |x| (the classic correction of the rounded 1 + x).</summary>
    private static double LogOnePlus(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }
}
