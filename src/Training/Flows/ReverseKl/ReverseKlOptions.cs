using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// Settings of <see cref="ReverseKlFitting"/>, one record per concern: the flow's <see cref="Architecture"/>, its
/// <see cref="Optimization"/> and the Gumbel-softmax <see cref="Temperature"/> (the same records maximum likelihood and
/// the mixture of experts use, started from reverse-KL defaults), plus what only reverse KL has: how samples are drawn
/// and scored, target tempering, evaluation sizes and the start of the output scale and the base.
/// </summary>
/// <remarks>
/// Reverse KL has no data: an epoch of <see cref="MinibatchTrainer"/> is <see cref="EvaluationInterval"/> steps of
/// <see cref="OptimizationOptions.BatchSize"/> fresh samples each, followed by an evaluation. The defaults run
/// 20 epochs × 100 steps × 256 samples.
/// </remarks>
/// <example>
/// <code>
/// var options = new ReverseKlOptions
/// {
///     Architecture = { FlowType = FlowType.AffineCoupling, Layers = 2 },
///     Optimization = { Epochs = 10, BatchSize = 128 },
///     InitialOutputScale = 2f,
/// };
/// </code>
/// </example>
public sealed record ReverseKlOptions
{
    /// <summary>
    /// The flow's layers and base. Defaults: 4 spline couplings with [32, 32] tanh conditioners on [-5, 5], a
    /// 4-component base, no LU-linear layers and no standardisation (there is no data to standardise: the learned
    /// output scale, <see cref="LearnOutputScale"/>, takes its place). The dimension comes from the target.
    /// </summary>
    public MixtureDensityFlowArchitecture Architecture { get; init; } = new()
    {
        FlowType = FlowType.SplineCoupling,
        Layers = 4,
        HiddenSizes = [32, 32],
        Activation = Activation.Tanh,
        SplineBound = 5f,
        Components = 4,
        LuLinear = false,
        Standardize = false,
    };

    /// <summary>
    /// Adam with a cosine decay to 5% of the peak. <see cref="OptimizationOptions.Epochs"/> counts evaluations and
    /// <see cref="OptimizationOptions.BatchSize"/> the reparameterised samples per step. Defaults: 20 epochs of
    /// 256 samples per step, learning rate 3e-3, no weight decay, clipping at 10.
    /// </summary>
    public OptimizationOptions Optimization { get; init; } = new()
    {
        Epochs = 20,
        BatchSize = 256,
        LearningRate = 3e-3f,
        LearningRateSchedule = LearningRateScheduleKind.Cosine,
        FinalLearningRateFraction = 0.05f,
        WeightDecay = 0f,
        DecoupledWeightDecay = false,
        GradientClipNorm = 10f,
    };

    /// <summary>
    /// Optimisation steps per epoch: steps between evaluations (exact samples, fixed noise), which report progress
    /// and pick the parameters to keep. Default 100.
    /// </summary>
    public int EvaluationInterval { get; init; } = 100;

    /// <summary>The planned optimisation steps: <see cref="OptimizationOptions.Epochs"/> × <see cref="EvaluationInterval"/>.</summary>
    public long Steps => (long)Optimization.Epochs * EvaluationInterval;

    /// <summary>
    /// The Gumbel-softmax temperature of the component draw over the <see cref="Steps"/>: from 1 down to 0.1, reached
    /// after 80% of the steps (<see cref="ComponentSelection.Stratified"/> draws no component and ignores it).
    /// </summary>
    public TemperatureAnnealing Temperature { get; init; } = new() { FinalTemperature = 0.1f };

    /// <summary>
    /// Whether the flow ends (on the data side) in a learnable per-feature scale and shift
    /// (<see cref="ActNormLayer"/>), starting at scale <see cref="InitialOutputScale"/> and shift 0. Default true.
    /// </summary>
    public bool LearnOutputScale { get; init; } = true;

    /// <summary>The starting scale of the output layer: roughly the target's spread per coordinate. Default 1.</summary>
    public float InitialOutputScale { get; init; } = 1f;

    /// <summary>The spread of the initial component means, drawn from N(0, spread²). Default 1.</summary>
    public float BaseMeanSpread { get; init; } = 1f;

    /// <summary>The initial log standard deviation of every component. Default log 0.5.</summary>
    public float BaseInitialLogSigma { get; init; } = -0.6931472f;

    /// <summary>How training draws the mixture component of each base sample. Default straight-through Gumbel-softmax.</summary>
    public ComponentSelection Selection { get; init; } = ComponentSelection.StraightThrough;

    /// <summary>
    /// Whether the gradient of log q is taken along the sample path only ("sticking the landing"; see
    /// <see cref="ReverseKlObjective.Record"/>): an unbiased, lower-variance gradient at the cost of one extra
    /// density pass per step. Applies with the exact base density only. Default true.
    /// </summary>
    public bool PathGradient { get; init; } = true;

    /// <summary>
    /// β0 of target tempering: training starts on the flattened target p~^β0 and β rises geometrically to 1 over
    /// the first <see cref="TemperingFraction"/> of the steps, so that q spreads over all modes before they
    /// separate. 1 (default) turns tempering off.
    /// </summary>
    public float InitialTargetExponent { get; init; } = 1f;

    /// <summary>The fraction of the steps over which the target exponent rises to 1. Default 0.5.</summary>
    public double TemperingFraction { get; init; } = 0.5;

    /// <summary>How a sampled base point is scored during training. Default exact.</summary>
    public ReverseKlBaseDensity BaseDensity { get; init; } = ReverseKlBaseDensity.Exact;

    /// <summary>M, the component draws per point of the nested Monte-Carlo base density. Default 16.</summary>
    public int NestedComponentSamples { get; init; } = 16;

    /// <summary>Exact samples per evaluation during training. Default 1024.</summary>
    public int EvaluationSamples { get; init; } = 1024;

    /// <summary>Exact samples for the diagnostics of the returned model. Default 8192.</summary>
    public int FinalEvaluationSamples { get; init; } = 8192;

    /// <summary>The seed of the initialisation and of all noise. Same seed and settings give identical results.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads for matrix products; 0 lets the trainer choose. Default 1 (small batches gain nothing from more).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The target exponent β at step <paramref name="step"/>: β0^(1 − t) with t the share of the tempering phase done, then 1.</summary>
    public float TargetExponentAt(long step)
    {
        long phase = (long)Math.Floor(TemperingFraction * Steps);
        if (InitialTargetExponent >= 1f || step >= phase)
        {
            return 1f;
        }

        return (float)Math.Pow(InitialTargetExponent, 1.0 - ((double)step / phase));
    }

    /// <summary>The trainer settings of a fit: <see cref="Optimization"/>, no early stopping, <see cref="Seed"/> and <see cref="Threads"/>.</summary>
    public TrainerOptions ToTrainerOptions() => new()
    {
        Optimization = Optimization,
        Validation = new ValidationOptions { ValidationFraction = 0, EarlyStoppingPatience = 0 },
        Seed = Seed,
        Threads = Threads,
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new SettingCheck("ReverseKl");
        check.That(Architecture is not null && Optimization is not null && Temperature is not null, "settings", "null", "hold every record (Architecture, Optimization, Temperature)");
        Architecture!.Validate();
        Optimization!.Validate();
        Temperature!.Validate();
        check.That(!Architecture.Standardize, "Architecture.Standardize", true, "be false: there is no data to standardise (InitialOutputScale sets the starting spread)");
        check.That(EvaluationInterval > 0, nameof(EvaluationInterval), EvaluationInterval, "be positive");
        check.That((long)Optimization.BatchSize * EvaluationInterval <= int.MaxValue, nameof(EvaluationInterval), EvaluationInterval, "keep Optimization.BatchSize × EvaluationInterval within int.MaxValue samples per epoch");
        check.That(Enum.IsDefined(Selection), nameof(Selection), Selection, "be StraightThrough, Relaxed or Stratified");
        check.That(Enum.IsDefined(BaseDensity), nameof(BaseDensity), BaseDensity, "be Exact or NestedMonteCarlo");
        check.That(float.IsFinite(InitialOutputScale) && InitialOutputScale > 0, nameof(InitialOutputScale), InitialOutputScale, "be positive and finite");
        check.That(float.IsFinite(BaseMeanSpread) && BaseMeanSpread >= 0, nameof(BaseMeanSpread), BaseMeanSpread, "be non-negative and finite");
        check.That(float.IsFinite(BaseInitialLogSigma), nameof(BaseInitialLogSigma), BaseInitialLogSigma, "be finite");
        check.That(NestedComponentSamples > 0, nameof(NestedComponentSamples), NestedComponentSamples, "be positive");
        check.That(InitialTargetExponent is > 0 and <= 1, nameof(InitialTargetExponent), InitialTargetExponent, "lie in (0, 1]");
        check.That(TemperingFraction is >= 0 and <= 1, nameof(TemperingFraction), TemperingFraction, "lie in [0, 1]");
        check.That(EvaluationSamples > 0, nameof(EvaluationSamples), EvaluationSamples, "be positive");
        check.That(FinalEvaluationSamples > 0, nameof(FinalEvaluationSamples), FinalEvaluationSamples, "be positive");
        check.That(Threads >= 0, nameof(Threads), Threads, "be non-negative (0 = chosen by the trainer)");
    }
}
