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

    /// <summary>
    /// The most training rows visited in all (planned epochs × training rows per epoch); 0 (the default) sets no
    /// such cap. On data with more than this / <see cref="Epochs"/> training rows, training plans
    /// <see cref="PlannedEpochs"/> = this / rows (rounded up, at least 1) epochs instead, and the learning-rate schedule
    /// runs its course over those: fit time then stops growing with the rows while every row is still seen several times.
    /// </summary>
    public long MaxRowVisits { get; set; }

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
    /// Decay of an exponential moving average of the parameters, in [0, 1); 0 (the default) keeps no average. Above 0,
    /// every step ends with average ← d · average + (1 − d) · parameters, where d = min(this decay, (1 + step) / (10 + step))
    /// so that the average forgets the initial values over the first steps. The average is what each epoch validates and
    /// what training keeps (the best epoch's average, or the last one's without validation): the trained model simply holds
    /// the averaged weights, and saving or exporting it is unchanged. Training itself goes on from the raw parameters.
    /// </summary>
    public float ParameterAveragingDecay { get; set; }

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
        check.That(MaxRowVisits >= 0, nameof(MaxRowVisits), MaxRowVisits, "be non-negative (0 = no cap)");
        check.That(BatchSize > 0, nameof(BatchSize), BatchSize, "be positive");
        check.That(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "be positive and finite");
        check.That(Enum.IsDefined(LearningRateSchedule), nameof(LearningRateSchedule), LearningRateSchedule, "be Constant, Cosine or Step");
        check.That(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), WarmupFraction, "lie in [0, 1)");
        check.That(FinalLearningRateFraction is >= 0 and <= 1, nameof(FinalLearningRateFraction), FinalLearningRateFraction, "lie in [0, 1]");
        check.That(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "be non-negative and finite");
        check.That(float.IsFinite(GradientClipNorm) && GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "be non-negative (0 = off)");
        check.That(float.IsFinite(ParameterAveragingDecay) && ParameterAveragingDecay is >= 0 and < 1, nameof(ParameterAveragingDecay), ParameterAveragingDecay, "lie in [0, 1) (0 = no averaging)");
        check.That(ShuffleBufferRows > 0, nameof(ShuffleBufferRows), ShuffleBufferRows, "be positive");
    }

    /// <summary>
    /// The epochs training plans on <paramref name="trainingRows"/> rows per epoch: <see cref="Epochs"/>, or fewer when
    /// <see cref="MaxRowVisits"/> caps the rows visited (this cap / rows, rounded up, at least 1).
    /// </summary>
    /// <param name="trainingRows">The training rows per epoch; at least 1.</param>
    public int PlannedEpochs(long trainingRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainingRows, 1);
        if (MaxRowVisits <= 0)
        {
            return Epochs;
        }

        long capped = Math.Max(1, (MaxRowVisits + trainingRows - 1) / trainingRows);
        return (int)Math.Min(Epochs, capped);
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
