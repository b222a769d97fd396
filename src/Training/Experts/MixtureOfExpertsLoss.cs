using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// Training losses of mixture-of-experts classifiers, <c>p(y|x) = sum_k p(z=k|x) p(y|x,z=k)</c>, from gate
/// logits [N, K] and expert class logits [N, K, C]. Every loss is a batch mean, recorded on a <see cref="Tape"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="GateObjective.Marginal"/> minimises the exact negative log marginal likelihood
/// <c>-LogSumExp_k(log p(z=k|x) + log p(y|x,z=k))</c>, computed stably in log space.
/// </para>
/// <para>
/// <see cref="GateObjective.GumbelSoftmax"/> draws a relaxed one-hot gate sample
/// <c>z = softmax((a + g) / tau)</c> with Gumbel noise <c>g = -log(-log u)</c> and minimises
/// <c>-log sum_k z_k p(y|x,z=k)</c>, computed as <c>-LogSumExp_k(log z_k + log p(y|x,z=k))</c> with
/// <c>log z = log_softmax((a + g) / tau)</c>. Because z is a differentiable function of the gate logits a for
/// fixed noise, the gradient reaches the gate by the reparameterisation (pathwise) estimator instead of the
/// high-variance score-function (REINFORCE) estimator. This is how to optimise the commonly asked-for lower bound
/// <c>sum_z p(z|x) log p(y|x,z) &lt;= log p(y|x)</c> (Jensen): as tau goes to 0, z becomes an exact one-hot sample
/// of p(z|x), so the expected loss tends to <c>-sum_k p(z=k|x) log p(y|x,z=k)</c>; at positive tau the estimator
/// is biased but has low variance. Unlike the marginal, the bound makes each expert explain its rows on its own,
/// which favours decisive routing (what top-1 inference does).
/// </para>
/// <para>
/// <see cref="GateObjective.StraightThrough"/> uses the hard one-hot <c>z = onehot(argmax(a + g))</c> in the forward
/// pass (the loss is exactly <c>-log p(y|x,z=k*)</c> for the sampled expert k*) and the gradient of the relaxed sample
/// in the backward pass (<c>z = hard + soft - stop_gradient(soft)</c>). The gradient with respect to <c>z_k</c> is
/// <c>p(y|x,z=k) / p(y|x,z=k*)</c>; the ratio is capped at e^30 to stay finite.
/// </para>
/// <para>
/// The Gumbel noise and relaxed samples are those of the shared <see cref="Gumbel"/> and <see cref="GumbelSoftmax"/>
/// (uniforms clamped to [2^-24, 1 - 2^-24]). The temperature is used exactly as given, without
/// <see cref="GumbelSoftmax.DefaultMinimumTemperature"/>'s floor: a schedule sets its own minimum.
/// </para>
/// </remarks>
public static class MixtureOfExpertsLoss
{
    /// <summary>The largest log-ratio <c>log p(y|x,z=k) - log p(y|x,z=k*)</c> the straight-through loss passes on.</summary>
    private const float MaxStraightThroughLogRatio = 30f;

    /// <summary>Records the loss of <paramref name="options"/> on <paramref name="tape"/>.</summary>
    /// <param name="tape">The tape to record on.</param>
    /// <param name="gateLogits">Unnormalised gate scores [N, K].</param>
    /// <param name="expertLogits">Expert class scores [N, K, C]; normalised here (log-probabilities may be passed as they are).</param>
    /// <param name="labels">One class index in [0, C) per row.</param>
    /// <param name="options">The objective and auxiliary weights.</param>
    /// <param name="uniforms">
    /// Uniforms in (0, 1), [N, K], for the Gumbel noise of <see cref="GateObjective.GumbelSoftmax"/> and
    /// <see cref="GateObjective.StraightThrough"/>; not used by <see cref="GateObjective.Marginal"/>.
    /// </param>
    /// <param name="weights">
    /// One example weight per row (finite, non-negative), or null for equal weights. The likelihood term becomes the
    /// weighted mean <c>-sum_i w_i log p(y_i|x_i) / sum_i w_i</c> over the batch (0 when every weight is 0), so a row of
    /// weight 2 counts as two copies of it; the load-balancing and gate-entropy terms stay unweighted batch means.
    /// </param>
    /// <param name="temperature">The relaxation temperature of the sampling objectives (positive); <see cref="GateObjective.Marginal"/> ignores it.</param>
    /// <param name="routedFraction">
    /// For a call that records one part of a minibatch: the share of the whole batch's rows whose largest gate logit is
    /// each expert's [K] (see <see cref="RoutedFraction"/>), so that the parts' load-balancing terms, weighted by their
    /// rows, add up to the batch's. Null takes them from these rows.
    /// </param>
    /// <returns>The scalar loss and its parts.</returns>
    public static MixtureOfExpertsLossTerms Compute(Tape tape, Var gateLogits, Var expertLogits, int[] labels, MixtureOfExpertsLossOptions options, Var? uniforms = null, float[]? weights = null, float temperature = 1f, Tensor? routedFraction = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        var gateShape = tape.Shape(gateLogits);
        var expertShape = tape.Shape(expertLogits);
        if (gateShape.Length != 2 || expertShape.Length != 3 || expertShape[0] != gateShape[0] || expertShape[1] != gateShape[1])
        {
            throw new ArgumentException($"Expected gate logits [N, K] and expert logits [N, K, C]; got [{string.Join(", ", gateShape)}] and [{string.Join(", ", expertShape)}].");
        }

        int rows = gateShape[0], experts = gateShape[1];
        CheckLabels(labels, rows, expertShape[2]);
        if (options.Objective != GateObjective.Marginal && !(temperature > 0f && float.IsFinite(temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The gate temperature must be positive and finite.");
        }

        var gateLogProbabilities = tape.LogSoftmax(gateLogits);
        Var LabelLogProbabilities() => tape.PickLast(tape.LogSoftmax(expertLogits), labels); // [N, K]
        Var logLikelihood;
        Var gateWeights;
        switch (options.Objective)
        {
            case GateObjective.Marginal:
                // LogSumExp_k(log p(z=k|x) + log p(y|x,z=k)) in one fused pass over the expert logits.
                logLikelihood = tape.MixtureLogLikelihood(gateLogProbabilities, expertLogits, labels);
                gateWeights = tape.Exp(gateLogProbabilities);
                break;
            case GateObjective.GumbelSoftmax:
                {
                    var labelLogProbabilities = LabelLogProbabilities();
                    var u = CheckUniforms(tape, uniforms, rows, experts, options.Objective);
                    var logSample = GumbelSoftmax.LogSample(tape, gateLogits, u, temperature, minimumTemperature: temperature);
                    logLikelihood = tape.LogSumExp(tape.Add(logSample, labelLogProbabilities), -1);
                    gateWeights = tape.Exp(logSample);
                    break;
                }

            case GateObjective.StraightThrough:
                {
                    var labelLogProbabilities = LabelLogProbabilities();
                    var u = CheckUniforms(tape, uniforms, rows, experts, options.Objective);
                    var soft = GumbelSoftmax.Sample(tape, gateLogits, u, temperature, minimumTemperature: temperature);
                    var sample = GumbelSoftmax.StraightThrough(tape, soft);
                    var hard = tape.OneHotArgMax(soft);

                    // log sum_k z_k p_k(y), anchored at the chosen expert's log p(y) (a constant) so that nothing
                    // underflows: the forward value is exactly log p_{k*}(y).
                    var anchor = tape.StopGradient(tape.Sum(tape.Multiply(hard, labelLogProbabilities), -1));
                    var logRatio = tape.Clamp(tape.Subtract(labelLogProbabilities, tape.Reshape(anchor, -1, 1)), float.NegativeInfinity, MaxStraightThroughLogRatio);
                    var mixed = tape.Sum(tape.Multiply(sample, tape.Exp(logRatio)), -1);
                    logLikelihood = tape.Add(tape.Log(mixed), anchor);
                    gateWeights = sample;
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Objective, "Unknown gate objective.");
        }

        var negativeLogLikelihood = weights is null
            ? tape.Negate(tape.MeanAll(logLikelihood))
            : tape.Negate(tape.SumAll(tape.Multiply(tape.Constant(NormalisedWeights(weights, rows)), logLikelihood)));
        var total = negativeLogLikelihood;
        Var? loadBalancing = null;
        Var? gateEntropy = null;
        if (options.LoadBalancingWeight != 0f)
        {
            if (routedFraction is not null && routedFraction.Length != experts)
            {
                throw new ArgumentException($"Expected {experts} routed fractions (one per expert); got {routedFraction.Length}.", nameof(routedFraction));
            }

            var fraction = routedFraction is null ? RoutedFraction(tape, gateLogits) : tape.Constant(routedFraction); // f_i: constant
            var meanProbability = tape.Mean(tape.Exp(gateLogProbabilities), 0); // P_i: differentiable
            loadBalancing = tape.MultiplyScalar(tape.SumAll(tape.Multiply(fraction, meanProbability)), experts);
            total = tape.Add(total, tape.MultiplyScalar(loadBalancing.Value, options.LoadBalancingWeight));
        }

        if (options.GateEntropyWeight != 0f)
        {
            var plogp = tape.Multiply(tape.Exp(gateLogProbabilities), gateLogProbabilities);
            gateEntropy = tape.Negate(tape.MeanAll(tape.Sum(plogp, -1)));
            total = tape.Add(total, tape.MultiplyScalar(gateEntropy.Value, options.GateEntropyWeight));
        }

        return new MixtureOfExpertsLossTerms(total, negativeLogLikelihood, gateWeights, loadBalancing, gateEntropy);
    }

    /// <summary>
    /// The load-balancing term's routing fractions f_i [K]: the share of the rows whose largest gate logit is expert
    /// i's (ties to the first), a constant of the loss.
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="gateLogits">Unnormalised gate scores [N, K].</param>
    public static Var RoutedFraction(IComputeGraph graph, Var gateLogits)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Mean(graph.OneHotArgMax(gateLogits), 0);
    }

    private static Tensor NormalisedWeights(float[] weights, int rows)
    {
        if (weights.Length != rows)
        {
            throw new ArgumentException($"Expected one weight per row ({rows}); got {weights.Length} weights.", nameof(weights));
        }

        double sum = 0;
        foreach (float w in weights)
        {
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), w, "Example weights must be finite and non-negative.");
            }

            sum += w;
        }

        var normalised = new float[rows];
        if (sum > 0)
        {
            for (int i = 0; i < rows; i++)
            {
                normalised[i] = (float)(weights[i] / sum);
            }
        }

        return new Tensor(normalised, rows);
    }

    internal static void CheckLabels(int[] labels, int rows, int classes)
    {
        if (labels.Length != rows)
        {
            throw new ArgumentException($"Expected one label per row ({rows}); got {labels.Length} labels.", nameof(labels));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {labels[i]} at row {i} is outside the {classes} classes [0, {classes}).");
            }
        }
    }

    private static Var CheckUniforms(Tape tape, Var? uniforms, int rows, int experts, GateObjective objective)
    {
        if (uniforms is not { } u)
        {
            throw new ArgumentException($"The {objective} objective samples the gate: pass uniforms [N, K] for its Gumbel noise.", nameof(uniforms));
        }

        var shape = tape.Shape(u);
        if (shape.Length != 2 || shape[0] != rows || shape[1] != experts)
        {
            throw new ArgumentException($"Expected uniforms [{rows}, {experts}]; got [{string.Join(", ", shape)}].", nameof(uniforms));
        }

        return u;
    }
}
