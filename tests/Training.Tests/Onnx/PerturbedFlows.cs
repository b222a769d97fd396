using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// Mixture-density flows with every layer kind (ActNorm, affine coupling, permutations, rational-quadratic spline
/// coupling, LU linear, MAF, sinh-arcsinh coupling and autoregressive) whose parameters are all perturbed away from the identity initialisation, with a
/// K-component base and optionally a standardiser for features of very different scales; and data to score
/// that reaches the splines' linear tails.
/// </summary>
internal static class PerturbedFlows
{
    public const int Dimension = 5;

    /// <summary>The spline layers' half-width B: elements outside [-B, B] take the identity tails.</summary>
    public const float SplineBound = 2.5f;

    private static readonly float[] Means = [50f, -3f, 0.01f, 1000f, 5f];
    private static readonly float[] Deviations = [10f, 2f, 0.005f, 300f, 1f];

    public static IReadOnlyList<string> FeatureNames { get; } = ["length_mm", "offset", "ratio", "pressure_hpa", "grade"];

    /// <summary>The layer kinds of <see cref="Create"/>'s flows, in order.</summary>
    public static IReadOnlyList<string> LayerKinds { get; } =
    [
        "ActNorm", "AffineCoupling", "Permutation", "RationalQuadraticSplineCoupling", "LuLinear", "MaskedAutoregressive",
        "Permutation", "RationalQuadraticSplineCoupling", "AffineCoupling", "SinhArcsinhCoupling", "SinhArcsinhAutoregressive",
    ];

    /// <summary>A flow with a <paramref name="components"/>-component base, standardising its inputs or not.</summary>
    public static MixtureDensityFlow Create(int components, bool standardized, ulong seed = 11)
    {
        var random = new RandomSource(seed);
        const int d = Dimension;
        var flow = new FlowSequence(
            new ActNormLayer("actnorm", d),
            new AffineCouplingLayer("affine0", CouplingPartition.Halves(d), [16, 16], Activation.Tanh, random),
            PermutationLayer.Random(d, random),
            new RationalQuadraticSplineCouplingLayer("spline0", CouplingPartition.Alternating(d), [16], Activation.Relu, random, bins: 6, bound: SplineBound),
            new LuLinearLayer("lu", d, random),
            new MaskedAutoregressiveLayer("maf", d, [16], Activation.Gelu, random),
            PermutationLayer.Reverse(d),
            new RationalQuadraticSplineCouplingLayer("spline1", CouplingPartition.Halves(d, transformSecondHalf: false), [12, 12], Activation.Elu, random, bins: 8, bound: SplineBound),
            new AffineCouplingLayer("affine1", CouplingPartition.Alternating(d, transformOdd: false), [8], Activation.Relu, random),
            new CouplingLayer("sinh0", CouplingPartition.Halves(d), new SinhArcsinhBijection(), [12], Activation.Tanh, random),
            new AutoregressiveLayer("sinh1", d, new SinhArcsinhBijection(), [16], Activation.Tanh, random));

        // Every parameter moves: the conditioners' zero-initialised last layers (identity couplings) included.
        foreach (var p in flow.Parameters)
        {
            Perturb(p, random, 0.1f);
        }

        var baseDistribution = new DiagonalGaussianMixture("base", components, d);
        baseDistribution.InitializeSpread(random, meanScale: 1.5f, logSigma: -0.3f);
        Perturb(baseDistribution.WeightLogits, random, 0.5f);
        Perturb(baseDistribution.LogSigmas, random, 0.2f);

        Standardizer? standardizer = null;
        if (standardized)
        {
            standardizer = new Standardizer("standardizer", d);
            var training = Rows(2000, standardized: true, new RandomSource(seed + 1), outlierFraction: 0f);
            standardizer.Fit(training.Span, training.Rows);
        }

        return new MixtureDensityFlow(flow, baseDistribution, standardizer);
    }

    /// <summary>
    /// Rows to score: standard normal coordinates, a share of them spread four times wider (they land in the spline
    /// tails), mapped to the raw feature scales when <paramref name="standardized"/>.
    /// </summary>
    public static Tensor Rows(int rows, bool standardized, RandomSource random, float outlierFraction = 0.1f)
    {
        var features = new Tensor(rows, Dimension);
        for (int r = 0; r < rows; r++)
        {
            float spread = random.NextDouble() < outlierFraction ? 4f : 1f;
            for (int j = 0; j < Dimension; j++)
            {
                float z = spread * (float)random.NextNormal();
                features[r, j] = standardized ? Means[j] + (Deviations[j] * z) : z;
            }
        }

        return features;
    }

    /// <summary>
    /// For each spline layer, the share of the elements it transforms that lie outside [-B, B] (in its linear tails)
    /// when <paramref name="data"/> goes through the flow on a tape.
    /// </summary>
    public static double[] SplineTailShares(MixtureDensityFlow model, Tensor data)
    {
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var h = tape.Constant(data);
        if (model.Standardizer is { } standardizer)
        {
            h = standardizer.Map(tape, h);
        }

        var shares = new List<double>();
        foreach (var layer in model.Flow.Layers)
        {
            if (layer is RationalQuadraticSplineCouplingLayer spline)
            {
                var values = tape.Value(h);
                int outside = 0, total = 0;
                for (int r = 0; r < values.Rows; r++)
                {
                    foreach (int j in spline.Partition.Transformed)
                    {
                        total++;
                        if (MathF.Abs(values[r, j]) > spline.Bound)
                        {
                            outside++;
                        }
                    }
                }

                shares.Add(outside / (double)total);
            }

            h = layer.Forward(tape, h).Y;
        }

        return [.. shares];
    }

    private static void Perturb(Parameter parameter, RandomSource random, float scale)
    {
        var noise = new float[parameter.Value.Length];
        random.FillNormal(noise, 0f, scale);
        var values = parameter.Value.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += noise[i];
        }
    }
}
