using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// Gumbel-softmax / Concrete relaxation of a categorical draw (Jang et al. 2017; Maddison et al. 2017):
/// the soft sample <c>y = softmax((logits + g) / τ)</c> with <c>g ~ Gumbel(0, 1)</c>, its log
/// <c>log y = log_softmax((logits + g) / τ)</c> (an ExpConcrete draw), and the straight-through hard sample,
/// one-hot at <c>argmax y</c> in the forward pass with the gradient of <c>y</c>.
/// </summary>
/// <remarks>
/// The graph functions take the noise as a value of uniforms [N, K] (or any shape that broadcasts with the
/// logits), so a sampling graph can be exported with the noise as a graph input; the <see cref="Tape"/>
/// overloads draw those uniforms from a <see cref="RandomSource"/>. The temperature is raised to a floor
/// (<see cref="DefaultMinimumTemperature"/> unless given): below it <c>1/τ</c> makes the float32 gradients
/// of the softmax explode. A non-positive or non-finite temperature is an error.
/// </remarks>
public static class GumbelSoftmax
{
    /// <summary>The default temperature floor, 1e-2.</summary>
    public const float DefaultMinimumTemperature = 1e-2f;

    /// <summary>The temperature the samplers use: <c>max(temperature, minimumTemperature)</c>, after checking both are positive and finite.</summary>
    public static float EffectiveTemperature(float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => TemperatureGuard.Effective(temperature, minimumTemperature, nameof(temperature));

    /// <summary>The perturbed, tempered logits <c>(logits + g) / τ</c> (τ after the floor).</summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Unnormalised log-probabilities, [N, K] or [K].</param>
    /// <param name="uniforms">Uniforms in [0, 1] broadcasting with <paramref name="logits"/>, e.g. [N, K].</param>
    /// <param name="temperature">τ &gt; 0.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public static Var TemperedLogits(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        float tau = EffectiveTemperature(temperature, minimumTemperature);
        var perturbed = graph.Add(logits, Gumbel.Noise(graph, uniforms));
        return tau == 1f ? perturbed : graph.MultiplyScalar(perturbed, 1f / tau);
    }

    /// <summary>The soft sample <c>softmax((logits + g) / τ)</c> along the last axis (a Concrete draw).</summary>
    /// <inheritdoc cref="TemperedLogits(IComputeGraph, Var, Var, float, float)" path="/param"/>
    public static Var Sample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => graph.Softmax(TemperedLogits(graph, logits, uniforms, temperature, minimumTemperature));

    /// <summary>
    /// The log of the soft sample, <c>log_softmax((logits + g) / τ)</c>: an ExpConcrete draw, exact where the
    /// soft sample itself would underflow to 0 in float32.
    /// </summary>
    /// <inheritdoc cref="TemperedLogits(IComputeGraph, Var, Var, float, float)" path="/param"/>
    public static Var LogSample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => graph.LogSoftmax(TemperedLogits(graph, logits, uniforms, temperature, minimumTemperature));

    /// <summary>
    /// The perturbed, tempered logits <c>(logits + g) / τ</c> with the temperature a value of the graph (a graph
    /// input of an exported sampler, or a variable on a tape), raised to the floor inside the graph.
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="logits">Unnormalised log-probabilities, [N, K] or [K].</param>
    /// <param name="uniforms">Uniforms in [0, 1] broadcasting with <paramref name="logits"/>, e.g. [N, K].</param>
    /// <param name="temperature">
    /// τ as a scalar (or any shape broadcasting with <paramref name="logits"/>, e.g. [N, 1] for one temperature per
    /// row). A graph cannot reject a value, so anything below <paramref name="minimumTemperature"/> (zero and
    /// negative values included) is raised to it; NaN is not a valid temperature.
    /// </param>
    /// <param name="minimumTemperature">The temperature floor, positive and finite.</param>
    /// <remarks>
    /// Emitted as <c>(logits + g) / max(τ, floor)</c> (Clip, Div). For a τ at or above the floor this is the float
    /// overload's value up to rounding: that one multiplies by the rounded reciprocal <c>1/τ</c> instead of dividing.
    /// </remarks>
    public static Var TemperedLogits(IComputeGraph graph, Var logits, Var uniforms, Var temperature, float minimumTemperature = DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        TemperatureGuard.RequirePositive(minimumTemperature, nameof(minimumTemperature));
        var tau = graph.Clamp(temperature, minimumTemperature, float.PositiveInfinity);
        var perturbed = graph.Add(logits, Gumbel.Noise(graph, uniforms));
        return graph.Divide(perturbed, tau);
    }

    /// <summary>The soft sample <c>softmax((logits + g) / τ)</c> along the last axis, with τ a value of the graph.</summary>
    /// <inheritdoc cref="TemperedLogits(IComputeGraph, Var, Var, Var, float)" path="/param"/>
    public static Var Sample(IComputeGraph graph, Var logits, Var uniforms, Var temperature, float minimumTemperature = DefaultMinimumTemperature)
        => graph.Softmax(TemperedLogits(graph, logits, uniforms, temperature, minimumTemperature));

    /// <summary>The log of the soft sample, <c>log_softmax((logits + g) / τ)</c>, with τ a value of the graph.</summary>
    /// <inheritdoc cref="TemperedLogits(IComputeGraph, Var, Var, Var, float)" path="/param"/>
    public static Var LogSample(IComputeGraph graph, Var logits, Var uniforms, Var temperature, float minimumTemperature = DefaultMinimumTemperature)
        => graph.LogSoftmax(TemperedLogits(graph, logits, uniforms, temperature, minimumTemperature));

    /// <summary>
    /// The straight-through sample <c>onehot(argmax y) + (y - stop_gradient(y))</c> for the soft sample y: exactly
    /// one-hot in the forward pass (first maximum on ties), with the gradient of y in the backward pass.
    /// </summary>
    /// <inheritdoc cref="TemperedLogits(IComputeGraph, Var, Var, float, float)" path="/param"/>
    public static Var StraightThroughSample(IComputeGraph graph, Var logits, Var uniforms, float temperature, float minimumTemperature = DefaultMinimumTemperature)
    {
        var soft = Sample(graph, logits, uniforms, temperature, minimumTemperature);
        return StraightThrough(graph, soft);
    }

    /// <summary>
    /// <c>onehot(argmax y) + (y - stop_gradient(y))</c>: the one-hot of <paramref name="soft"/> forward, its gradient
    /// backward. Written so that the forward value is exactly 0 or 1 (y - y is exactly 0 in floating point).
    /// </summary>
    public static Var StraightThrough(IComputeGraph graph, Var soft)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Add(graph.OneHotArgMax(soft), graph.Subtract(soft, graph.StopGradient(soft)));
    }

    /// <summary>The soft sample, drawing uniforms shaped like <paramref name="logits"/> from <paramref name="random"/>.</summary>
    /// <param name="tape">The tape to record on.</param>
    /// <param name="logits">Unnormalised log-probabilities [N, K].</param>
    /// <param name="random">The noise source.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public static Var Sample(Tape tape, Var logits, RandomSource random, float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => Sample(tape, logits, DrawUniforms(tape, logits, random), temperature, minimumTemperature);

    /// <summary>The log of the soft sample, drawing uniforms shaped like <paramref name="logits"/> from <paramref name="random"/>.</summary>
    /// <inheritdoc cref="Sample(Tape, Var, RandomSource, float, float)" path="/param"/>
    public static Var LogSample(Tape tape, Var logits, RandomSource random, float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => LogSample(tape, logits, DrawUniforms(tape, logits, random), temperature, minimumTemperature);

    /// <summary>The straight-through hard sample, drawing uniforms shaped like <paramref name="logits"/> from <paramref name="random"/>.</summary>
    /// <inheritdoc cref="Sample(Tape, Var, RandomSource, float, float)" path="/param"/>
    public static Var StraightThroughSample(Tape tape, Var logits, RandomSource random, float temperature, float minimumTemperature = DefaultMinimumTemperature)
        => StraightThroughSample(tape, logits, DrawUniforms(tape, logits, random), temperature, minimumTemperature);

    /// <summary>
    /// The soft sample of one row outside any graph, in float64 internally: <paramref name="destination"/> =
    /// softmax((logits + g) / τ) with g from <paramref name="uniforms"/>. Allocation-free.
    /// </summary>
    /// <returns>The index of the largest component (the straight-through one-hot position).</returns>
    public static int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<float> uniforms, float temperature, Span<float> destination, float minimumTemperature = DefaultMinimumTemperature)
    {
        double tau = EffectiveTemperature(temperature, minimumTemperature);
        int k = logits.Length;
        if (k == 0 || uniforms.Length != k || destination.Length < k)
        {
            throw new ArgumentException($"Expected non-empty logits with as many uniforms and destination slots; got {k} logits, {uniforms.Length} uniforms, {destination.Length} slots.");
        }

        double max = double.NegativeInfinity;
        int best = 0;
        for (int i = 0; i < k; i++)
        {
            double v = (logits[i] - Math.Log(-Math.Log(Gumbel.ClampUniform(uniforms[i])))) / tau;
            if (v > max)
            {
                max = v;
                best = i;
            }
        }

        // exp(v - max) lies in (0, 1], so storing it in float32 costs only its own rounding; v itself stays float64.
        double sum = 0;
        for (int i = 0; i < k; i++)
        {
            double e = Math.Exp(((logits[i] - Math.Log(-Math.Log(Gumbel.ClampUniform(uniforms[i])))) / tau) - max);
            destination[i] = (float)e;
            sum += e;
        }

        TensorPrimitives.Multiply(destination[..k], (float)(1.0 / sum), destination[..k]);
        return best;
    }

    /// <summary>A constant of uniforms in (0, 1) with the shape of <paramref name="like"/>, drawn from <paramref name="random"/>.</summary>
    public static Var DrawUniforms(Tape tape, Var like, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(random);
        var u = new Tensor(tape.Shape(like));
        random.FillUniform(u.Span);
        return tape.Constant(u);
    }
}
