using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The reverse-KL training objective of a <see cref="MixtureDensityFlow"/> q against an unnormalised target p~:
/// the Monte-Carlo estimate <c>(1/N) Σ_n [log q(x_n) − log p~(x_n)]</c> on reparameterised samples x_n, whose
/// gradient reaches every parameter (flow, mixture means, log-sigmas and, through the Gumbel-softmax selection,
/// weight logits). Its minimum over q is −log Z, reached when q = p.
/// </summary>
/// <remarks>
/// <para>
/// Each sample draws uniforms [N, K] for the Gumbel-softmax selection c, normals [N, D] for the base point
/// <c>z0 = c·μ + w ⊙ (c·σ)</c>, maps z0 through the flow's sampling direction to x, and scores
/// <c>log q(x) = log p_base(z0) − log|det dx/dz0|</c>. log p~(x) and its gradient come from the target and enter
/// the tape through <see cref="Tape.External"/>.
/// </para>
/// <para>
/// With the straight-through selection (the default) the forward draw is exact and only the weight-logit gradient
/// is relaxed. With the soft selection the draws are a relaxation of q, exact only as τ → 0, while log q is still
/// the exact flow density at the drawn point, which the optimiser can exploit (see
/// <see cref="ComponentSelection.Relaxed"/>). The stratified selection draws no component at all.
/// </para>
/// </remarks>
public static class ReverseKlObjective
{
    /// <summary>Records the objective on <paramref name="tape"/> for <paramref name="samples"/> fresh draws.</summary>
    /// <param name="tape">The tape (reset by the caller).</param>
    /// <param name="model">The flow q.</param>
    /// <param name="target">The unnormalised target p~.</param>
    /// <param name="random">
    /// The noise source: uniforms [N, K] (not for <see cref="ComponentSelection.Stratified"/>), then normals [N, D],
    /// then (nested Monte-Carlo only) uniforms [N, M, K], so the two base densities see the same samples for the
    /// same seed.
    /// </param>
    /// <param name="samples">N ≥ 1; stratified selection rounds it up to a multiple of K.</param>
    /// <param name="temperature">The Gumbel-softmax temperature τ (unused by stratified selection).</param>
    /// <param name="selection">How the component of each sample is drawn.</param>
    /// <param name="baseDensity">How the base point is scored.</param>
    /// <param name="nestedComponentSamples">M, for <see cref="ReverseKlBaseDensity.NestedMonteCarlo"/>.</param>
    /// <param name="pathGradient">
    /// Whether log q(x) is differentiated only along the sample path ("sticking the landing", Roeder et al. 2017;
    /// Vaitl et al. 2022): log q is re-evaluated at x through the normalising direction with every parameter held
    /// fixed, so its gradient reaches the parameters only through x. This drops the score term
    /// <c>∂_θ log q_θ(x)</c>, whose expectation under q is zero, and with it most of the gradient noise near the
    /// optimum (the gradient vanishes sample by sample when q = p). It applies with the exact base density only, and
    /// is unbiased for the exact draws of the straight-through and stratified selections (not for relaxed draws).
    /// </param>
    /// <param name="targetExponent">
    /// β in (0, 1]: the target is tempered to p~^β (log p~ and its gradient are multiplied by β). Below 1 the target
    /// is flatter and its modes merge, which lets q spread over all of them before β reaches 1.
    /// </param>
    /// <returns>The scalar loss, the samples x [N, D], log q(x) [N] (as scored) and β log p~(x) [N].</returns>
    public static (Var Loss, Var Samples, Var LogModelDensity, Var LogTarget) Record(
        Tape tape,
        MixtureDensityFlow model,
        IUnnormalizedDensity target,
        RandomSource random,
        int samples,
        float temperature,
        ComponentSelection selection = ComponentSelection.StraightThrough,
        ReverseKlBaseDensity baseDensity = ReverseKlBaseDensity.Exact,
        int nestedComponentSamples = 16,
        bool pathGradient = false,
        float targetExponent = 1f)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nestedComponentSamples);
        if (!(targetExponent > 0 && targetExponent <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetExponent), targetExponent, "The target exponent must lie in (0, 1].");
        }

        if (target.Dimension != model.Dimension)
        {
            throw new ArgumentException($"The target has dimension {target.Dimension}; the flow {model.Dimension}.", nameof(target));
        }

        int k = model.Components, d = model.Dimension;
        Var x, z, logDetToData;
        Var? stratumWeights = null;
        if (selection == ComponentSelection.Stratified)
        {
            int perComponent = (samples + k - 1) / k;
            samples = perComponent * k;
            var oneHot = new Tensor(samples, k);
            for (int n = 0; n < samples; n++)
            {
                oneHot[n, n / perComponent] = 1f;
            }

            var normals = new Tensor(samples, d);
            random.FillNormal(normals.Span);
            var select = tape.Constant(oneHot);
            var baseDistribution = model.Base;
            var mean = tape.MatMul(select, tape.Param(baseDistribution.Means));
            var sigma = tape.MatMul(select, tape.Exp(tape.Param(baseDistribution.LogSigmas)));
            z = tape.Add(mean, tape.Multiply(tape.Constant(normals), sigma));
            (x, logDetToData) = model.DataToLatent.Inverse(tape, z);

            // Row n of stratum k carries a_k / (N / K): the loss is Σ_k a_k · mean over stratum k.
            var weights = tape.Reshape(tape.Softmax(tape.Param(baseDistribution.WeightLogits)), k, 1);
            stratumWeights = tape.MultiplyScalar(tape.Reshape(tape.MatMul(select, weights), -1), 1f / perComponent);
        }
        else
        {
            var uniforms = new Tensor(samples, k);
            random.FillUniform(uniforms.Span);
            var normals = new Tensor(samples, d);
            random.FillNormal(normals.Span);
            (x, z, logDetToData) = model.SampleWithLatent(tape, tape.Constant(uniforms), tape.Constant(normals), temperature, selection == ComponentSelection.StraightThrough);
        }

        Var logBase;
        if (baseDensity == ReverseKlBaseDensity.NestedMonteCarlo)
        {
            var nested = new Tensor(samples, nestedComponentSamples, k);
            random.FillUniform(nested.Span);
            logBase = NestedMonteCarloMixtureDensity.LogDensity(tape, model.Base, z, tape.Constant(nested), temperature);
        }
        else
        {
            logBase = model.Base.LogDensity(tape, z);
        }

        var logq = tape.Subtract(logBase, logDetToData);
        if (pathGradient && baseDensity == ReverseKlBaseDensity.Exact)
        {
            logq = FixedParameterLogDensity(tape, model, x);
        }

        var values = new Tensor(samples);
        var gradients = new Tensor(samples, d);
        target.Evaluate(tape.Value(x).Span, values.Span, gradients.Span);
        if (targetExponent != 1f)
        {
            TensorPrimitives.Multiply(values.Span, targetExponent, values.Span);
            TensorPrimitives.Multiply(gradients.Span, targetExponent, gradients.Span);
        }

        var logp = tape.External(x, values, gradients);
        var perSample = tape.Subtract(logq, logp);
        var loss = stratumWeights is { } w ? tape.SumAll(tape.Multiply(w, perSample)) : tape.MeanAll(perSample);
        return (loss, x, logq, logp);
    }

    /// <summary>log q(x) through the normalising direction, recorded with every parameter frozen: differentiable in x only.</summary>
    private static Var FixedParameterLogDensity(Tape tape, MixtureDensityFlow model, Var x)
    {
        var parameters = model.Parameters;
        var trainable = new bool[parameters.Count];
        for (int i = 0; i < trainable.Length; i++)
        {
            trainable[i] = parameters[i].Trainable;
            parameters[i].Trainable = false;
        }

        try
        {
            return model.LogDensity(tape, x);
        }
        finally
        {
            for (int i = 0; i < trainable.Length; i++)
            {
                parameters[i].Trainable = trainable[i];
            }
        }
    }
}
