using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;
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
    public static ReverseKlResult FitToTarget(IUnnormalizedDensity target, ReverseKlOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ReverseKlOptions();
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
    public static ReverseKlResult FitToTarget(TargetLogDensity target, int dimension, ReverseKlOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitToTarget(UnnormalizedDensity.FromDelegate(target, dimension), options, progress, cancellationToken);

    /// <summary>
    /// Continues fitting an existing <paramref name="model"/> in place by <see cref="MinibatchTrainer"/> running a
    /// <see cref="ReverseKlObjective"/> (the architecture settings of <paramref name="options"/> are ignored; the
    /// optimisation, temperature and evaluation settings apply).
    /// </summary>
    /// <param name="model">The flow to fit; its parameters are updated.</param>
    /// <param name="target">The unnormalised target density, of the model's dimension.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives a report after every evaluation; may be null.</param>
    /// <param name="cancellationToken">Stops after the current step; the best parameters so far are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradient became non-finite; the best parameters so far are restored first.</exception>
    public static ReverseKlResult FitToTarget(MixtureDensityFlow model, IUnnormalizedDensity target, ReverseKlOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ReverseKlOptions();
        var objective = new ReverseKlObjective(model, target, options);
        var training = MinibatchTrainer.Fit(objective, options.ToTrainerOptions(), progress, cancellationToken);
        var diagnostics = ReverseKlDiagnostics.Estimate(model, target, options.FinalEvaluationSamples, new RandomSource(options.Seed).Fork(4), options.Threads);
        return new ReverseKlResult(model, training, diagnostics);
    }

    /// <summary>
    /// The flow <see cref="FitToTarget(IUnnormalizedDensity, ReverseKlOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// starts from: <see cref="ReverseKlOptions.Architecture"/> built for <paramref name="dimension"/> features
    /// (<see cref="MixtureDensityFlowArchitecture.Build"/>), preceded on the data side by a learnable scale and shift
    /// (when <see cref="ReverseKlOptions.LearnOutputScale"/>), its K-component mixture base with spread-out means
    /// (a frozen standard normal when K = 1). Every transform starts at the identity.
    /// </summary>
    /// <param name="dimension">D ≥ 1 (coupling flows need two features).</param>
    /// <param name="options">The architecture settings.</param>
    /// <param name="random">Initialisation randomness.</param>
    public static MixtureDensityFlow CreateModel(int dimension, ReverseKlOptions options, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        var built = (options.Architecture with { Dimension = dimension }).Build(random);
        IEnumerable<IFlowLayer> layers = built.Flow.Layers;
        if (options.LearnOutputScale)
        {
            var scale = new ActNormLayer("output", dimension);
            scale.LogScale.Value.Fill(MathF.Log(options.InitialOutputScale));
            layers = layers.Prepend(scale);
        }

        if (built.Components > 1)
        {
            built.Base.InitializeSpread(random, options.BaseMeanSpread, options.BaseInitialLogSigma);
        }

        return new MixtureDensityFlow(new FlowSequence(layers), built.Base);
    }
}
