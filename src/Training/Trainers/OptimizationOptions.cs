using System.Globalization;
using MLNetMixture.Training.Optimization;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// How parameters are optimised: passes, minibatches, the AdamW learning rate and its schedule, weight decay and
/// gradient clipping. One record serves every model (flows by likelihood, flows by reverse KL, mixtures of experts);
/// each model's options start it from that model's defaults.
/// </summary>
public sealed record OptimizationOptions
{
    /// <summary>The most passes over the training data (early stopping may end sooner). Default 100.</summary>
    public int Epochs { get; set; } = 100;

    /// <summary>Rows per minibatch (capped at the number of training rows). Default 128.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>The peak learning rate of Adam/AdamW. Default 1e-3.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>How the learning rate changes over the planned steps. Default <see cref="LearningRateScheduleKind.Cosine"/> decay.</summary>
    public LearningRateScheduleKind LearningRateSchedule { get; set; } = LearningRateScheduleKind.Cosine;

    /// <summary>The share of the planned steps spent warming the learning rate up linearly (cosine schedule), in [0, 1). Default 0.</summary>
    public double WarmupFraction { get; set; }

    /// <summary>The cosine schedule's final rate as a share of <see cref="LearningRate"/>, in [0, 1]. Default 0.</summary>
    public float FinalLearningRateFraction { get; set; }

    /// <summary>
    /// Weight decay of the network weights (not biases, normalisation or base parameters): decoupled (AdamW, each step
    /// multiplies the weights by 1 - learning rate × decay) unless <see cref="DecoupledWeightDecay"/> is false. Default 0.01
    /// (PyTorch's AdamW default).
    /// </summary>
    public float WeightDecay { get; set; } = 0.01f;

    /// <summary>AdamW-style decoupled weight decay (true, the default) or L2 added to the gradient (false).</summary>
    public bool DecoupledWeightDecay { get; set; } = true;

    /// <summary>Clip each step's gradients to this global L2 norm; 0 turns clipping off. Default 5.</summary>
    public float GradientClipNorm { get; set; } = 5f;

    /// <summary>
    /// The most training rows streamed training holds at once (<c>Fit</c> over an <see cref="Data.IFeatureRowSource"/>,
    /// the ML.NET components, <c>mlmix ... fit --stream</c>): data with at most this many training rows is read once and
    /// reshuffled every epoch as in memory; larger data is read once per epoch through a shuffle buffer of this many
    /// rows while the next fill is read ahead (memory: about twice rows × features × 4 bytes). Default 1,048,576.
    /// </summary>
    public int ShuffleBufferRows { get; set; } = 1 << 20;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new SettingCheck("Optimization");
        check.That(Epochs > 0, nameof(Epochs), Epochs, "be positive");
        check.That(BatchSize > 0, nameof(BatchSize), BatchSize, "be positive");
        check.That(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "be positive and finite");
        check.That(Enum.IsDefined(LearningRateSchedule), nameof(LearningRateSchedule), LearningRateSchedule, "be Constant, Cosine or Step");
        check.That(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), WarmupFraction, "lie in [0, 1)");
        check.That(FinalLearningRateFraction is >= 0 and <= 1, nameof(FinalLearningRateFraction), FinalLearningRateFraction, "lie in [0, 1]");
        check.That(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "be non-negative and finite");
        check.That(float.IsFinite(GradientClipNorm) && GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "be non-negative (0 = off)");
        check.That(ShuffleBufferRows > 0, nameof(ShuffleBufferRows), ShuffleBufferRows, "be positive");
    }

    /// <summary>The learning-rate schedule of a run of <paramref name="totalSteps"/> steps.</summary>
    /// <param name="totalSteps">The planned optimisation steps; at least 1.</param>
    public ISchedule LearningRateScheduleFor(long totalSteps) => LearningRateSchedule switch
    {
        LearningRateScheduleKind.Cosine => new CosineSchedule(LearningRate, totalSteps, (long)(WarmupFraction * totalSteps), LearningRate * FinalLearningRateFraction),
        LearningRateScheduleKind.Step => new StepDecaySchedule(LearningRate, Math.Max(1, totalSteps / 3), 0.3f),
        _ => new ConstantSchedule(LearningRate),
    };

    /// <summary>The optimiser these settings describe, over <paramref name="parameters"/>, following <see cref="LearningRateScheduleFor"/>.</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="totalSteps">The planned optimisation steps; at least 1.</param>
    public Optimizer CreateOptimizer(IReadOnlyList<Autodiff.Parameter> parameters, long totalSteps)
    {
        Optimizer optimizer = DecoupledWeightDecay
            ? new AdamW(parameters, LearningRate, weightDecay: WeightDecay)
            : new Adam(parameters, LearningRate, weightDecay: WeightDecay);
        optimizer.Schedule = LearningRateScheduleFor(totalSteps);
        return optimizer;
    }

    /// <summary>The settings as one line for logs and errors.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"learning rate {LearningRate} ({LearningRateSchedule}), gradient clipping {(GradientClipNorm > 0 ? GradientClipNorm.ToString(CultureInfo.InvariantCulture) : "off")}");
}
