using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

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
/// <para>
/// As an <see cref="ITrainingObjective"/> it has no rows: an epoch is <see cref="ReverseKlOptions.EvaluationInterval"/>
/// steps of <see cref="OptimizationOptions.BatchSize"/> fresh draws from the step's random source, and the validation
/// score is the ELBO of exact draws on fixed evaluation noise (common random numbers, so successive epochs are
/// comparable). While the target is still tempered the parameters may not become the best. After each epoch
/// <see cref="EpochStatistics"/> reports the ELBO, its standard error, the temperature and the target exponent.
/// </para>
/// </remarks>
public sealed class ReverseKlObjective : ITrainingObjective
{
    /// <summary>The statistic holding the ELBO <c>E_q[log p~(x) − log q(x)]</c> of the epoch's evaluation (also the validation score).</summary>
    public const string ElboStatistic = "ELBO";

    /// <summary>The statistic holding the Monte-Carlo standard error of <see cref="ElboStatistic"/>.</summary>
    public const string ElboStandardErrorStatistic = "ELBO standard error";

    /// <summary>The statistic holding the Gumbel-softmax temperature of the epoch's last step.</summary>
    public const string TemperatureStatistic = "temperature";

    /// <summary>The statistic holding the target exponent β of the epoch's last step (1 once tempering is over).</summary>
    public const string TargetExponentStatistic = "target exponent";

    private readonly MixtureDensityFlow _model;
    private readonly IUnnormalizedDensity _target;
    private readonly ReverseKlOptions _options;
    private readonly ISchedule _temperatures;
    private readonly Tensor _evaluationUniforms;
    private readonly Tensor _evaluationNormals;
    private float _lastTemperature = float.NaN;
    private float _lastTargetExponent = float.NaN;
    private ReverseKlDiagnostics? _lastEvaluation;

    /// <summary>Creates the objective of fitting <paramref name="model"/> to <paramref name="target"/>.</summary>
    /// <param name="model">The flow q; its parameters are trained in place.</param>
    /// <param name="target">The unnormalised target p~, of the model's dimension.</param>
    /// <param name="options">Sampling, tempering, temperature and evaluation settings (validated here); the seed fixes the evaluation noise.</param>
    public ReverseKlObjective(MixtureDensityFlow model, IUnnormalizedDensity target, ReverseKlOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (target.Dimension != model.Dimension)
        {
            throw new ArgumentException($"The target has dimension {target.Dimension}; the flow {model.Dimension}.", nameof(target));
        }

        _model = model;
        _target = target;
        _options = options;
        _temperatures = options.Temperature.ScheduleFor(options.Steps);

        // Fixed evaluation noise: every evaluation scores the parameters on the same exact draws.
        _evaluationUniforms = new Tensor(options.EvaluationSamples, model.Components);
        _evaluationNormals = new Tensor(options.EvaluationSamples, model.Dimension);
        var evaluationRandom = new RandomSource(options.Seed).Fork(3);
        evaluationRandom.FillUniform(_evaluationUniforms.Span);
        evaluationRandom.FillNormal(_evaluationNormals.Span);
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => _model.Parameters;

    /// <inheritdoc />
    /// <remarks>Samples per epoch (batch size × evaluation interval): the trainer's rows only count steps, no row is read.</remarks>
    public int TrainingRows => _options.Optimization.BatchSize * _options.EvaluationInterval;

    /// <inheritdoc />
    public bool HasValidation => true;

    /// <inheritdoc />
    public string ValidationName => ElboStatistic;

    /// <inheritdoc />
    /// <remarks>False while the last step's target was tempered (β &lt; 1): the model was not yet fitting p~ itself.</remarks>
    public bool MayKeepCurrentParameters => _lastTargetExponent >= 1f;

    /// <inheritdoc />
    /// <remarks>Records the objective on the batch size of fresh draws from <see cref="TrainingStep.Random"/>; <paramref name="rows"/> are not read.</remarks>
    public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step)
    {
        _lastTemperature = _temperatures.ValueAt(step.Step);
        _lastTargetExponent = _options.TargetExponentAt(step.Step);
        var (loss, _, _, _) = Record(
            tape, _model, _target, step.Random, rows.Length, _lastTemperature, _options.Selection, _options.BaseDensity,
            _options.NestedComponentSamples, _options.PathGradient, _lastTargetExponent);
        return loss;
    }

    /// <inheritdoc />
    /// <returns>The ELBO of the current parameters on the fixed evaluation noise.</returns>
    public double Validate()
    {
        var (x, logq) = ExactFlowSampling.FromNoise(_model, _evaluationUniforms, _evaluationNormals, _options.Threads);
        _lastEvaluation = ReverseKlDiagnostics.FromSamples(_target, x.Span, logq);
        return _lastEvaluation.Elbo;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step)
    {
        var statistics = new Dictionary<string, double>
        {
            [TemperatureStatistic] = _lastTemperature,
            [TargetExponentStatistic] = _lastTargetExponent,
        };
        if (_lastEvaluation is { } evaluation)
        {
            statistics[ElboStatistic] = evaluation.Elbo;
            statistics[ElboStandardErrorStatistic] = evaluation.ElboStandardError;
        }

        return statistics;
    }

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
