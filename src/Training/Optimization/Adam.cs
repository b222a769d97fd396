using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction. A non-zero <see cref="WeightDecay"/> adds
/// <c>weightDecay * parameter</c> to the gradient before the moments are updated (classic L2 regularisation,
/// PyTorch's <c>Adam(weight_decay=...)</c>); <see cref="AdamW"/> decouples it instead.
/// </summary>
/// <remarks>
/// With gradient g, step t of a parameter p, learning rate lr and bias corrections
/// <c>c1 = 1 - beta1^t</c>, <c>c2 = 1 - beta2^t</c>:
/// <c>m = beta1 m + (1 - beta1) g</c>, <c>v = beta2 v + (1 - beta2) g^2</c>,
/// <c>p = p - (lr / c1) m / (sqrt(v) / sqrt(c2) + epsilon)</c>.
/// Weight decay is not applied to parameters whose <see cref="Parameter.ApplyWeightDecay"/> is false.
/// Values of m, v and p whose magnitude falls below 1e-30 are flushed to zero in the same pass, so weights
/// and moments of dead units never decay into float32 subnormals (which are many times slower to compute on);
/// the flush is far below anything that affects training.
/// </remarks>
public class Adam : Optimizer
{
    /// <summary>The slot name of the first-moment estimate m.</summary>
    public const string FirstMomentSlot = "FirstMoment";

    /// <summary>The slot name of the second-moment estimate v.</summary>
    public const string SecondMomentSlot = "SecondMoment";

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Step size; finite and non-negative.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for stability; finite and non-negative.</param>
    /// <param name="weightDecay">L2 coefficient added to the gradient as <c>weightDecay * p</c>; 0 for none.</param>
    public Adam(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: false)
    {
    }

    /// <summary>Creates the optimizer, choosing how weight decay is applied.</summary>
    private protected Adam(IReadOnlyList<Parameter> parameters, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool decoupledWeightDecay)
        : base(parameters, learningRate, [FirstMomentSlot, SecondMomentSlot])
    {
        CheckUnitInterval(beta1, nameof(beta1));
        CheckUnitInterval(beta2, nameof(beta2));
        if (!float.IsFinite(epsilon) || epsilon < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be finite and non-negative.");
        }

        if (!float.IsFinite(weightDecay) || weightDecay < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite and non-negative.");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Decay of the first-moment average.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment average.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>The weight-decay coefficient.</summary>
    public float WeightDecay { get; }

    /// <summary>True when weight decay shrinks the parameter directly (AdamW) rather than entering the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc />
    protected override void UpdateParameter(Parameter parameter, ReadOnlySpan<Tensor> slots, long parameterStep)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        UpdateParameterRange(parameter, slots, parameterStep, 0, parameter.Value.Length);
    }

    /// <inheritdoc />
    private protected override bool UpdatesElementwise => true;

    /// <inheritdoc />
    private protected override void UpdateParameterRange(Parameter parameter, ReadOnlySpan<Tensor> slots, long parameterStep, int start, int length)
    {
        bool decays = WeightDecay != 0f && parameter.ApplyWeightDecay;
        double lr = LearningRate;
        double correction1 = 1.0 - Math.Pow(Beta1, parameterStep);
        double correction2 = 1.0 - Math.Pow(Beta2, parameterStep);
        var coefficients = new AdamStepCoefficients(
            Beta1: Beta1,
            Beta2: Beta2,
            GradientScale1: 1f - Beta1,
            GradientScale2: 1f - Beta2,
            StepSize: (float)(lr / correction1),
            InverseSqrtCorrection2: (float)(1.0 / Math.Sqrt(correction2)),
            Epsilon: Epsilon,
            L2: decays && !DecoupledWeightDecay ? WeightDecay : 0f,
            DecayFactor: decays && DecoupledWeightDecay ? (float)(1.0 - (lr * WeightDecay)) : 1f,
            FlushThreshold: FlushTinyValues ? AdamKernel.FlushThreshold : 0f);
        AdamKernel.Update(
            parameter.Value.Span.Slice(start, length), parameter.Grad.Span.Slice(start, length), slots[0].Span.Slice(start, length), slots[1].Span.Slice(start, length), coefficients);
    }

    private static void CheckUnitInterval(float beta, string name)
    {
        if (!(beta >= 0f && beta < 1f))
        {
            throw new ArgumentOutOfRangeException(name, beta, "A moment decay must lie in [0, 1).");
        }
    }
}
