using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;

namespace MLNetMixture.Training.Flows;

/// <summary>Settings of <see cref="ReverseKlFitting.FitToTarget(Targets.IUnnormalizedDensity, ReverseKlOptions, IProgress{ReverseKlProgress}?, CancellationToken)"/>.</summary>
public sealed class ReverseKlOptions
{
    /// <summary>The coupling transform. Default: splines.</summary>
    public CouplingTransformKind CouplingKind { get; init; } = CouplingTransformKind.Spline;

    /// <summary>The number of coupling layers (alternating which features they transform). Default 4.</summary>
    public int CouplingLayers { get; init; } = 4;

    /// <summary>The hidden widths of each coupling's conditioner network. Default [32, 32].</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [32, 32];

    /// <summary>The conditioners' hidden non-linearity. Default tanh.</summary>
    public Activation Activation { get; init; } = Activation.Tanh;

    /// <summary>Bins per spline. Default 8.</summary>
    public int SplineBins { get; init; } = 8;

    /// <summary>The half-width B of the splines' interval [-B, B] (identity outside). Default 5.</summary>
    public float SplineBound { get; init; } = 5f;

    /// <summary>The bound of the affine couplings' soft-clamped log-scale. Default 3.</summary>
    public float AffineScaleBound { get; init; } = 3f;

    /// <summary>
    /// Whether the flow ends (on the data side) in a learnable per-feature scale and shift
    /// (<see cref="ActNormLayer"/>), starting at scale <see cref="InitialOutputScale"/> and shift 0. Default true.
    /// </summary>
    public bool LearnOutputScale { get; init; } = true;

    /// <summary>The starting scale of the output layer: roughly the target's spread per coordinate. Default 1.</summary>
    public float InitialOutputScale { get; init; } = 1f;

    /// <summary>The number of base mixture components K; 1 gives a frozen standard-normal base. Default 4.</summary>
    public int Components { get; init; } = 4;

    /// <summary>The spread of the initial component means, drawn from N(0, spread²). Default 1.</summary>
    public float BaseMeanSpread { get; init; } = 1f;

    /// <summary>The initial log standard deviation of every component. Default log 0.5.</summary>
    public float BaseInitialLogSigma { get; init; } = -0.6931472f;

    /// <summary>Reparameterised samples per optimisation step. Default 256.</summary>
    public int SamplesPerStep { get; init; } = 256;

    /// <summary>Optimisation steps. Default 2000.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>The Adam learning rate (the peak of the cosine decay when <see cref="CosineDecay"/>). Default 3e-3.</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Whether the learning rate decays along a cosine to 5% of its peak over the run. Default true.</summary>
    public bool CosineDecay { get; init; } = true;

    /// <summary>The global gradient-norm bound; 0 disables clipping. Default 10.</summary>
    public float GradientClipNorm { get; init; } = 10f;

    /// <summary>
    /// The Gumbel-softmax temperature of the component draw over the <see cref="Steps"/>: from 1 down to 0.1, reached
    /// after 80% of the steps (<see cref="ComponentSelection.Stratified"/> draws no component and ignores it).
    /// </summary>
    public TemperatureAnnealing Temperature { get; init; } = new() { FinalTemperature = 0.1f };

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

    /// <summary>How a sampled base point is scored during training. Default exact.</summary>
    public ReverseKlBaseDensity BaseDensity { get; init; } = ReverseKlBaseDensity.Exact;

    /// <summary>M, the component draws per point of the nested Monte-Carlo base density. Default 16.</summary>
    public int NestedComponentSamples { get; init; } = 16;

    /// <summary>
    /// Steps between evaluations (exact samples, fixed noise) that report progress and pick the best parameters;
    /// 0 (default) evaluates 20 times over the run.
    /// </summary>
    public int EvaluationInterval { get; init; }

    /// <summary>Exact samples per evaluation during training. Default 1024.</summary>
    public int EvaluationSamples { get; init; } = 1024;

    /// <summary>Exact samples for the diagnostics of the returned model. Default 8192.</summary>
    public int FinalEvaluationSamples { get; init; } = 8192;

    /// <summary>The seed of the initialisation and of all noise. Same seed and settings give identical results.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads for matrix products; 0 uses every core. Default 1 (small batches gain nothing from more).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The temperature schedule in force over <see cref="Steps"/>.</summary>
    public ISchedule ResolveTemperatureSchedule() => Temperature.ScheduleFor(Steps);

    /// <summary>The evaluation interval in force.</summary>
    public int ResolveEvaluationInterval() => EvaluationInterval > 0 ? EvaluationInterval : Math.Max(1, Steps / 20);

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CouplingLayers);
        ArgumentNullException.ThrowIfNull(HiddenSizes);
        if (HiddenSizes.Any(h => h <= 0))
        {
            throw new ArgumentException("Every hidden size must be positive.", nameof(HiddenSizes));
        }

        if (!Enum.IsDefined(CouplingKind) || !Enum.IsDefined(BaseDensity) || !Enum.IsDefined(Activation) || !Enum.IsDefined(Selection))
        {
            throw new ArgumentException("Unknown coupling kind, base density, activation or component selection.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SplineBins, 2);
        RequirePositive(SplineBound, nameof(SplineBound));
        RequirePositive(AffineScaleBound, nameof(AffineScaleBound));
        RequirePositive(InitialOutputScale, nameof(InitialOutputScale));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Components);
        if (!float.IsFinite(BaseMeanSpread) || BaseMeanSpread < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BaseMeanSpread), BaseMeanSpread, "The mean spread must be finite and non-negative.");
        }

        if (!float.IsFinite(BaseInitialLogSigma))
        {
            throw new ArgumentOutOfRangeException(nameof(BaseInitialLogSigma), BaseInitialLogSigma, "The initial log-sigma must be finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SamplesPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(Steps);
        RequirePositive(LearningRate, nameof(LearningRate));
        if (!float.IsFinite(GradientClipNorm) || GradientClipNorm < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "The clipping norm must be finite and non-negative.");
        }

        ArgumentNullException.ThrowIfNull(Temperature);
        Temperature.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(NestedComponentSamples);
        if (!(InitialTargetExponent > 0 && InitialTargetExponent <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialTargetExponent), InitialTargetExponent, "The initial target exponent must lie in (0, 1].");
        }

        if (!(TemperingFraction >= 0 && TemperingFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TemperingFraction), TemperingFraction, "The tempering fraction must lie in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(EvaluationInterval);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EvaluationSamples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FinalEvaluationSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(Threads);
    }

    private static void RequirePositive(float value, string name)
    {
        if (!(value > 0) || !float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "Expected a finite positive value.");
        }
    }
}
