using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A recipe for a <see cref="MixtureDensityFlow"/>: <see cref="Layers"/> blocks of
/// <c>[ActNorm] → [permutation (not before the first block)] → [LU linear] → transform</c> (data → latent order),
/// a <see cref="Components"/>-component diagonal Gaussian mixture base (a frozen standard normal for one
/// component) and an optional input <see cref="Standardizer"/>. <see cref="Build"/> gives fresh layers: every
/// transform starts at the identity, so the new model's density is the base density of the (standardised) data.
/// </summary>
/// <remarks>
/// Parameter names are fixed by position: <c>standardizer.*</c>, <c>flow.{block}.actnorm.*</c>,
/// <c>flow.{block}.lu.*</c>, <c>flow.{block}.coupling.*</c> / <c>flow.{block}.made.*</c> and <c>base.*</c>, so a
/// model built from the same architecture can take a saved model's parameters by name. Random permutations are
/// drawn in <see cref="Build"/> unless <see cref="Permutations"/> fixes them; read them back with
/// <see cref="PermutationsOf"/> to store them.
/// </remarks>
public sealed record MixtureDensityFlowArchitecture
{
    /// <summary>The number of features D; 0 (the default) until <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/> sets it from the data. <see cref="Build"/> needs it.</summary>
    public int Dimension { get; set; }

    /// <summary>
    /// The transform of each block. Default <see cref="FlowType.Automatic"/>: <see cref="FlowTypeFor"/> picks
    /// <see cref="FlowType.SplineCoupling"/> for 2 to <see cref="SplineCouplingMaximumDimension"/> features and
    /// <see cref="FlowType.MaskedAutoregressive"/> (MAF) otherwise, each the best measured where it is chosen
    /// (benchmarks/results/2026-12-07-flow-defaults.txt). On MINIBOONE validation (43 features) MAF gave -18.53 nats per
    /// row (seeds 1-3) against -19.22 for 10 affine couplings [32,32], -20.04 for sinh-arcsinh couplings, -20.93 for an
    /// autoregressive spline and -22.09 for 5 spline couplings, and it trains in seconds there where spline couplings take
    /// about 3 minutes. On the 2-D toys spline couplings win: checkerboard KL 0.085 (0.049 with K = 8) against 0.21 (0.17)
    /// for MAF, whose affine steps stay coarse at sharp edges, and 8 Gaussians 0.021 with one base component against
    /// 0.22. Sampling runs D network passes per row with MAF (43 on MINIBOONE: about 1,400 rows/s against 4,000 for
    /// spline couplings): choose <see cref="FlowType.SplineCoupling"/> when sampling speed matters.
    /// </summary>
    public FlowType FlowType { get; set; } = FlowType.Automatic;

    /// <summary>
    /// The most features for which <see cref="FlowType.Automatic"/> builds spline couplings. Measured at 2 (the toys,
    /// where they win) and 43 (MINIBOONE, where MAF wins by 3.6 nats per row and trains about 40 times faster); the
    /// bound between is set low because a spline coupling's cost grows with the features it transforms.
    /// </summary>
    public const int SplineCouplingMaximumDimension = 4;

    /// <summary>
    /// The transform built for <paramref name="dimension"/> features: <see cref="FlowType"/> itself, or for
    /// <see cref="FlowType.Automatic"/> spline couplings from 2 to <see cref="SplineCouplingMaximumDimension"/>
    /// features and MAF otherwise (one feature cannot condition another in a coupling).
    /// </summary>
    /// <param name="dimension">The number of features.</param>
    public FlowType FlowTypeFor(int dimension) => FlowType != FlowType.Automatic ? FlowType
        : dimension is >= 2 and <= SplineCouplingMaximumDimension ? FlowType.SplineCoupling
        : FlowType.MaskedAutoregressive;

    /// <summary>The number of transform blocks L. Default 5.</summary>
    public int Layers { get; set; } = 5;

    /// <summary>
    /// Hidden widths of each conditioner network (coupling) or MADE network (autoregressive). Default [64, 64]: small
    /// networks generalise better on small data; for masked autoregressive flows use at least D - 1 units per layer.
    /// </summary>
    public IReadOnlyList<int> HiddenSizes { get; set; } = [64, 64];

    /// <summary>
    /// The conditioners' hidden non-linearity. Default <see cref="Activation.Tanh"/>: bounded, so rows far from the
    /// training data cannot drive scales and shifts to extremes (on MINIBOONE tanh beat ReLU by about 2 nats per row).
    /// </summary>
    public Activation Activation { get; set; } = Activation.Tanh;

    /// <summary>Spline bins K (spline coupling only). Default 8.</summary>
    public int SplineBins { get; set; } = 8;

    /// <summary>The spline interval [-B, B] in standardised units (spline coupling only); the identity outside, so outliers keep a sane density. Default 3.</summary>
    public float SplineBound { get; set; } = 3f;

    /// <summary>
    /// The soft clamp of the log-scales of affine couplings and autoregressive layers (and of the sinh-arcsinh scale and
    /// skew): one layer scales by at most e^±bound. Default 3.
    /// </summary>
    public float ScaleBound { get; set; } = 3f;

    /// <summary>The reordering between blocks. Default <see cref="FlowPermutationKind.Reverse"/>.</summary>
    public FlowPermutationKind Permutation { get; set; } = FlowPermutationKind.Reverse;

    /// <summary>
    /// Explicit orders for the L - 1 permutation layers (each a permutation of 0..D-1, see
    /// <see cref="PermutationLayer.Permutation"/>), or null to derive them from <see cref="Permutation"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>>? Permutations { get; set; }

    /// <summary>
    /// Whether each block has a learnable LU-parameterised linear map (started at the identity) before its transform,
    /// mixing all features. Default true: it gained about 2.5 nats per row for coupling flows on MINIBOONE. Its sampling
    /// direction grows with D², so consider turning it off beyond a few hundred features.
    /// </summary>
    public bool LuLinear { get; set; } = true;

    /// <summary>Whether each block starts with an ActNorm layer (initialised from data). Default false.</summary>
    public bool ActNorm { get; set; }

    /// <summary>
    /// Gaussian components K of the base. 1 (the default) is a fixed standard normal; K &gt; 1 is a learnable diagonal
    /// mixture that starts from the k-means clusters of the (standardised) training data (see
    /// <see cref="BaseInitialization"/>), so well-separated modes need no thin density bridges.
    /// </summary>
    public int Components { get; set; } = 1;

    /// <summary>
    /// How a learnable (K &gt; 1) base starts. Default <see cref="MixtureBaseInitialization.ChosenByValidation"/>: fit
    /// from k-means clusters and from jittered standard normals, keep the better on validation (K &gt; 1 fits take twice
    /// as long). Measured 2026-12-07 with the default MAF: neither start alone serves both kinds of data. On MINIBOONE
    /// validation K = 8 from k-means scored -19.29 nats per row (seeds 1-3) against -18.53 for K = 1, from standard
    /// normals -18.35; on 8 Gaussians k-means reached a KL of 0.0042 and standard normals 0.20 (K = 1: 0.22). The
    /// choice keeps the better of each, so K = 8 is no worse than K = 1 on MINIBOONE and keeps its gain on the modes.
    /// </summary>
    public MixtureBaseInitialization BaseInitialization { get; set; } = MixtureBaseInitialization.ChosenByValidation;

    /// <summary>
    /// Whether a fit trains twice, from k-means clusters and from standard normals, to keep the better start: a
    /// learnable base (K &gt; 1) with <see cref="MixtureBaseInitialization.ChosenByValidation"/> and validation rows to
    /// choose with.
    /// </summary>
    /// <param name="hasValidation">Whether the fit has validation rows.</param>
    public bool FitsBothBaseStarts(bool hasValidation) => Components > 1 && BaseInitialization == MixtureBaseInitialization.ChosenByValidation && hasValidation;

    /// <summary>The start of a fit that trains once: <see cref="BaseInitialization"/>, with a choice by validation starting from k-means clusters.</summary>
    public MixtureBaseInitialization SingleFitBaseStart() => BaseInitialization == MixtureBaseInitialization.ChosenByValidation ? MixtureBaseInitialization.KMeans : BaseInitialization;

    /// <summary>
    /// Whether the model standardises each feature with the training mean and deviation. Default true. Reported
    /// log-densities are of the data as given either way (the standardisation's Jacobian is included).
    /// </summary>
    public bool Standardize { get; set; } = true;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Check(Dimension >= 0, nameof(Dimension), Dimension, "be non-negative (0 = from the data)");
        Check(Dimension == 0 || FlowType is FlowType.MaskedAutoregressive or FlowType.SinhArcsinhAutoregressive or FlowType.Automatic || Dimension >= 2, nameof(Dimension), Dimension, "be at least 2 for coupling flows (one feature cannot condition another); use MaskedAutoregressive or SinhArcsinhAutoregressive for one feature");
        Check(Enum.IsDefined(FlowType), nameof(FlowType), FlowType, "be AffineCoupling, SplineCoupling, MaskedAutoregressive, SinhArcsinhCoupling, SinhArcsinhAutoregressive or Automatic");
        Check(Enum.IsDefined(Permutation), nameof(Permutation), Permutation, "be Reverse or Random");
        Check(Layers > 0, nameof(Layers), Layers, "be positive");
        Check(HiddenSizes is not null && HiddenSizes.All(h => h > 0), nameof(HiddenSizes), HiddenSizes is null ? "null" : $"[{string.Join(", ", HiddenSizes)}]", "hold positive widths (may be empty)");
        Check(SplineBins >= 2, nameof(SplineBins), SplineBins, "be at least 2");
        Check(SplineBound > 0 && float.IsFinite(SplineBound), nameof(SplineBound), SplineBound, "be positive and finite");
        Check(ScaleBound > 0 && float.IsFinite(ScaleBound), nameof(ScaleBound), ScaleBound, "be positive and finite");
        Check(Components > 0, nameof(Components), Components, "be positive");
        Check(Enum.IsDefined(BaseInitialization), nameof(BaseInitialization), BaseInitialization, "be one of the MixtureBaseInitialization values");
        if (Permutations is not null)
        {
            Check(Permutations.Count == Layers - 1, nameof(Permutations), Permutations.Count, $"hold Layers - 1 = {Layers - 1} orders");
            for (int i = 0; i < Permutations.Count; i++)
            {
                var p = Permutations[i];
                bool ok = p is not null && p.Count == Dimension && p.All(v => v >= 0 && v < Dimension) && p.Distinct().Count() == Dimension;
                Check(ok, nameof(Permutations), i, $"hold permutations of 0..{Dimension - 1} (order {i} is not one)");
            }
        }
    }

    /// <summary>Builds a fresh model: transforms at the identity, an equal-weight base with zero means and unit sigmas, an identity standardiser.</summary>
    /// <param name="random">Initialisation randomness (conditioner weights, random permutations).</param>
    /// <remarks>Call <see cref="MixtureDensityFlowInitializer.Initialize"/> before training to fit the standardiser, ActNorm and base to data.</remarks>
    public MixtureDensityFlow Build(RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Validate();
        Check(Dimension > 0, nameof(Dimension), Dimension, "be set (the number of features) before a model is built");
        int d = Dimension;
        var permutationRandom = random.Fork(0x5045524D);
        var layers = new List<IFlowLayer>();
        for (int i = 0; i < Layers; i++)
        {
            string block = $"flow.{i}";
            if (ActNorm)
            {
                layers.Add(new ActNormLayer(block + ".actnorm", d));
            }

            if (i > 0)
            {
                layers.Add(Permutations is not null
                    ? new PermutationLayer(Permutations[i - 1])
                    : Permutation == FlowPermutationKind.Random ? PermutationLayer.Random(d, permutationRandom) : PermutationLayer.Reverse(d));
            }

            if (LuLinear)
            {
                layers.Add(new LuLinearLayer(block + ".lu", d, random, randomRotation: false));
            }

            layers.Add(FlowTypeFor(d) switch
            {
                FlowType.AffineCoupling => new AffineCouplingLayer(block + ".coupling", CouplingPartition.Halves(d), HiddenSizes, Activation, random, ScaleBound),
                FlowType.SplineCoupling => new RationalQuadraticSplineCouplingLayer(block + ".coupling", CouplingPartition.Halves(d), HiddenSizes, Activation, random, SplineBins, SplineBound),
                FlowType.SinhArcsinhCoupling => new CouplingLayer(block + ".coupling", CouplingPartition.Halves(d), new SinhArcsinhBijection(ScaleBound), HiddenSizes, Activation, random),
                FlowType.SinhArcsinhAutoregressive => new AutoregressiveLayer(block, d, new SinhArcsinhBijection(ScaleBound), HiddenSizes, Activation, random),
                _ => new MaskedAutoregressiveLayer(block + ".made", d, HiddenSizes, Activation, random, ScaleBound),
            });
        }

        var baseDistribution = Components == 1
            ? MixtureDensityFlow.StandardNormalBase("base", d)
            : new DiagonalGaussianMixture("base", Components, d);
        var standardizer = Standardize ? new Standardizer("standardizer", d) : null;
        return new MixtureDensityFlow(new FlowSequence(layers), baseDistribution, standardizer);
    }

    /// <summary>The orders of the permutation layers of <paramref name="model"/>, first to last (to store with it).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> PermutationsOf(MixtureDensityFlow model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Flow.Layers.OfType<PermutationLayer>().Select(p => (IReadOnlyList<int>)p.Permutation.ToArray()).ToArray();
    }

    private static void Check(bool ok, string name, object? value, string rule) => new SettingCheck("Architecture").That(ok, name, value, rule);
}
