using System.Diagnostics;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Fits a <see cref="MixtureDensityFlow"/> q to an unnormalised target density p~ by reverse KL: Adam minimises
/// <c>E_q[log q(x) − log p~(x)] = KL(q ‖ p) − log Z</c> on reparameterised samples (<see cref="ReverseKlObjective"/>),
/// with the Gumbel-softmax temperature of the component selection annealed from about 1 to a floor.
/// </summary>
/// <remarks>
/// <para>
/// Every evaluation interval the current parameters are scored on exact draws with fixed noise (common random
/// numbers, so successive evaluations are comparable); the parameters with the best ELBO are kept and restored at
/// the end, after cancellation and before a divergence error. The returned diagnostics are computed afresh on new
/// exact draws (Gumbel-max component, see <see cref="ExactFlowSampling"/>), never on the relaxed training draws.
/// Same seed, settings and thread count give identical results.
/// </para>
/// <para>
/// Reverse KL is mode-seeking: a flow that starts narrower than the target can settle on some of its modes and
/// never find the others. Start wide (<see cref="ReverseKlOptions.InitialOutputScale"/> at or above the target's
/// spread) and compare the importance-sampled log Z and the effective sample size with the ELBO: a gap of about
/// log 2 with a healthy ESS is the signature of a missed mode.
/// </para>
/// </remarks>
public static class ReverseKlFitting
{
    /// <summary>Fits a new flow (built by <see cref="CreateModel"/>) to <paramref name="target"/>.</summary>
    /// <param name="target">The unnormalised target density.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives a report after every evaluation; may be null.</param>
    /// <param name="cancellationToken">Stops after the current step; the best parameters so far are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradient became non-finite; the best parameters so far are restored first.</exception>
    public static ReverseKlResult FitToTarget(IUnnormalizedDensity target, ReverseKlOptions? options = null, IProgress<ReverseKlProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ReverseKlOptions();
        options.Validate();
        var model = CreateModel(target.Dimension, options, new RandomSource(options.Seed).Fork(1));
        return FitToTarget(model, target, options, progress, cancellationToken);
    }

    /// <summary>Fits a new flow to the unnormalised log-density <paramref name="target"/> over R^<paramref name="dimension"/>.</summary>
    /// <param name="target">log p~ and its gradient for a batch.</param>
    /// <param name="dimension">D ≥ 1.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives a report after every evaluation; may be null.</param>
    /// <param name="cancellationToken">Stops after the current step; the best parameters so far are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradient became non-finite; the best parameters so far are restored first.</exception>
    public static ReverseKlResult FitToTarget(TargetLogDensity target, int dimension, ReverseKlOptions? options = null, IProgress<ReverseKlProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitToTarget(UnnormalizedDensity.FromDelegate(target, dimension), options, progress, cancellationToken);

    /// <summary>
    /// Continues fitting an existing <paramref name="model"/> in place (the architecture settings of
    /// <paramref name="options"/> are ignored; the optimisation, temperature and evaluation settings apply).
    /// </summary>
    /// <param name="model">The flow to fit; its parameters are updated.</param>
    /// <param name="target">The unnormalised target density, of the model's dimension.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives a report after every evaluation; may be null.</param>
    /// <param name="cancellationToken">Stops after the current step; the best parameters so far are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradient became non-finite; the best parameters so far are restored first.</exception>
    public static ReverseKlResult FitToTarget(MixtureDensityFlow model, IUnnormalizedDensity target, ReverseKlOptions? options = null, IProgress<ReverseKlProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ReverseKlOptions();
        options.Validate();
        if (target.Dimension != model.Dimension)
        {
            throw new ArgumentException($"The target has dimension {target.Dimension}; the flow {model.Dimension}.", nameof(target));
        }

        var parameters = model.Parameters;
        var optimizer = new Adam(parameters, options.LearningRate);
        if (options.CosineDecay && options.Steps > 0)
        {
            optimizer.Schedule = new CosineSchedule(options.LearningRate, options.Steps, warmupSteps: 0, finalRate: 0.05f * options.LearningRate);
        }

        var temperatures = options.ResolveTemperatureSchedule();
        int interval = options.ResolveEvaluationInterval();
        var root = new RandomSource(options.Seed);
        var noise = root.Fork(2);

        // Fixed evaluation noise: every evaluation scores the parameters on the same exact draws.
        var evaluationUniforms = new Tensor(options.EvaluationSamples, model.Components);
        var evaluationNormals = new Tensor(options.EvaluationSamples, model.Dimension);
        var evaluationRandom = root.Fork(3);
        evaluationRandom.FillUniform(evaluationUniforms.Span);
        evaluationRandom.FillNormal(evaluationNormals.Span);
        ReverseKlDiagnostics Evaluate()
        {
            var (x, logq) = ExactFlowSampling.FromNoise(model, evaluationUniforms, evaluationNormals, options.Threads);
            return ReverseKlDiagnostics.FromSamples(target, x.Span, logq);
        }

        var tape = new Tape(options.Threads);
        var best = ParameterSnapshot.Capture(parameters);
        var initial = Evaluate();
        double bestElbo = double.IsFinite(initial.Elbo) ? initial.Elbo : double.NegativeInfinity;
        long bestStep = 0, step = 0;
        bool cancelled = false;
        var history = new List<ReverseKlProgress>();
        var clock = Stopwatch.StartNew();
        double objectiveSum = 0;
        int objectiveCount = 0;
        float temperature = temperatures.ValueAt(0);

        while (step < options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            temperature = temperatures.ValueAt(step);
            tape.Reset();
            optimizer.ZeroGrad();
            var (loss, _, _, _) = ReverseKlObjective.Record(
                tape, model, target, noise, options.SamplesPerStep, temperature, options.Selection, options.BaseDensity, options.NestedComponentSamples, options.PathGradient, options.TargetExponentAt(step));
            float value = tape.Value(loss).Span[0];
            if (!float.IsFinite(value))
            {
                Diverged($"the loss is {value}", step, best, parameters, options);
            }

            tape.Backward(loss);
            float norm = options.GradientClipNorm > 0
                ? GradientClipping.ClipByGlobalNorm(parameters, options.GradientClipNorm)
                : GradientClipping.GlobalNorm(parameters);
            if (!float.IsFinite(norm))
            {
                Diverged($"the gradient norm is {norm}", step, best, parameters, options);
            }

            optimizer.Step();
            step++;
            objectiveSum -= value;
            objectiveCount++;

            if (step % interval == 0 || step == options.Steps)
            {
                // While the target is tempered the model is not yet fitting p~ itself: it cannot become the best.
                var evaluation = Evaluate();
                bool isBest = double.IsFinite(evaluation.Elbo) && evaluation.Elbo > bestElbo && options.TargetExponentAt(step - 1) >= 1f;
                if (isBest)
                {
                    bestElbo = evaluation.Elbo;
                    bestStep = step;
                    best.CopyFrom(parameters);
                }

                var report = new ReverseKlProgress(
                    step, options.Steps, objectiveSum / objectiveCount, evaluation.Elbo, evaluation.ElboStandardError,
                    bestElbo, isBest, temperature, optimizer.LearningRate, clock.Elapsed);
                history.Add(report);
                progress?.Report(report);
                objectiveSum = 0;
                objectiveCount = 0;
            }
        }

        if (cancelled && objectiveCount > 0)
        {
            // Steps since the last evaluation still get their chance to be kept.
            var evaluation = Evaluate();
            if (double.IsFinite(evaluation.Elbo) && evaluation.Elbo > bestElbo && options.TargetExponentAt(step - 1) >= 1f)
            {
                bestElbo = evaluation.Elbo;
                bestStep = step;
                best.CopyFrom(parameters);
            }
        }

        best.RestoreTo(parameters);
        var diagnostics = ReverseKlDiagnostics.Estimate(model, target, options.FinalEvaluationSamples, root.Fork(4), options.Threads);
        return new ReverseKlResult(model, step, cancelled, bestStep, bestElbo, diagnostics, history);
    }

    /// <summary>
    /// The flow <see cref="FitToTarget(IUnnormalizedDensity, ReverseKlOptions?, IProgress{ReverseKlProgress}?, CancellationToken)"/>
    /// starts from: <see cref="ReverseKlOptions.CouplingLayers"/> coupling layers alternating which features they
    /// transform, preceded on the data side by a learnable scale and shift (when
    /// <see cref="ReverseKlOptions.LearnOutputScale"/>), over a K-component mixture base with spread-out means
    /// (a frozen standard normal when K = 1). Every coupling starts at the identity.
    /// </summary>
    /// <param name="dimension">D ≥ 2 (couplings need two features).</param>
    /// <param name="options">The architecture settings.</param>
    /// <param name="random">Initialisation randomness.</param>
    public static MixtureDensityFlow CreateModel(int dimension, ReverseKlOptions options, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        options.Validate();
        var layers = new List<IFlowLayer>();
        if (options.LearnOutputScale)
        {
            var scale = new ActNormLayer("output", dimension);
            scale.LogScale.Value.Fill(MathF.Log(options.InitialOutputScale));
            layers.Add(scale);
        }

        for (int i = 0; i < options.CouplingLayers; i++)
        {
            var partition = CouplingPartition.Alternating(dimension, transformOdd: i % 2 == 0);
            string name = "coupling" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            layers.Add(options.CouplingKind == CouplingTransformKind.Affine
                ? new AffineCouplingLayer(name, partition, options.HiddenSizes, options.Activation, random, options.AffineScaleBound)
                : new RationalQuadraticSplineCouplingLayer(name, partition, options.HiddenSizes, options.Activation, random, options.SplineBins, options.SplineBound));
        }

        DiagonalGaussianMixture baseDistribution;
        if (options.Components == 1)
        {
            baseDistribution = MixtureDensityFlow.StandardNormalBase("base", dimension);
        }
        else
        {
            baseDistribution = new DiagonalGaussianMixture("base", options.Components, dimension);
            baseDistribution.InitializeSpread(random, options.BaseMeanSpread, options.BaseInitialLogSigma);
        }

        return new MixtureDensityFlow(new FlowSequence(layers), baseDistribution);
    }

    private static void Diverged(string what, long step, ParameterSnapshot best, IReadOnlyList<Parameter> parameters, ReverseKlOptions options)
    {
        best.RestoreTo(parameters);
        throw new TrainingDivergedException(
            $"Reverse-KL fitting diverged at step {step + 1}: {what}. The best parameters so far were kept. " +
            $"Try a lower learning rate (now {options.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}) or a target that is finite wherever the flow can put samples.");
    }
}
