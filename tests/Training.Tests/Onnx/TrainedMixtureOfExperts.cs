using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// A mixture-of-experts classifier trained for a few hundred SGD steps on synthetic data whose features have the
/// scales of real measurements (means from 0.01 to 1000, standard deviations from 0.005 to 300), behind a fitted
/// standardiser, plus 10,000 fresh rows from the same generator (with 5% wide outliers) to score. Shared by the
/// export tests of one class (xUnit class fixture), built once.
/// </summary>
public sealed class TrainedMixtureOfExperts
{
    public const int Features = 5;
    public const int Classes = 3;
    public const int Experts = 4;
    public const int ScoringRows = 10_000;

    private static readonly float[] Means = [50f, -3f, 0.01f, 1000f, 5f];
    private static readonly float[] Deviations = [10f, 2f, 0.005f, 300f, 1f];

    public TrainedMixtureOfExperts()
    {
        var random = new RandomSource(20_240_601);
        var (train, labels) = Sample(600, random, outlierFraction: 0f);
        Standardizer = new Standardizer("standardizer", Features);
        Standardizer.Fit(train.Span, train.Rows);
        Model = new MixtureOfExperts(Features, Classes, new MixtureOfExpertsArchitecture { Experts = Experts, GateHiddenSizes = [8], ExpertHiddenSizes = [6], Activation = Activation.Gelu }, 7);

        var standardized = Standardize(train);
        var tape = new Tape(threads: 1);
        var options = new MixtureOfExpertsLossOptions { GateEntropyWeight = 0.05f, LoadBalancingWeight = 0.05f };
        for (int step = 0; step < 300; step++)
        {
            foreach (var p in Model.Parameters)
            {
                p.ZeroGrad();
            }

            tape.Reset();
            var terms = Model.Loss(tape, tape.Constant(standardized), labels, options);
            tape.Backward(terms.Total);
            foreach (var p in Model.Parameters)
            {
                TensorPrimitives.MultiplyAdd(p.Grad.Span, -0.3f, p.Value.Span, p.Value.Span);
            }
        }

        TrainingFeatures = train;
        TrainingLabels = labels;
        (ScoringFeatures, _) = Sample(ScoringRows, random, outlierFraction: 0.05f);
    }

    public Standardizer Standardizer { get; }

    public MixtureOfExperts Model { get; }

    public Tensor TrainingFeatures { get; }

    public int[] TrainingLabels { get; }

    /// <summary>Raw (unstandardised) features [10000, 5].</summary>
    public Tensor ScoringFeatures { get; }

    public static IReadOnlyList<string> FeatureNames { get; } = ["length_mm", "offset", "ratio", "pressure_hpa", "grade"];

    public static IReadOnlyList<string> ClassLabels { get; } = ["low", "médium", "high \"quoted\""];

    /// <summary>A standardised copy of raw features, computed natively.</summary>
    public Tensor Standardize(Tensor raw)
    {
        var copy = raw.Clone();
        Standardizer.Apply(copy.Span);
        return copy;
    }

    /// <summary>
    /// Rows in standardised coordinates z: the class depends on z0 and z1 (an XOR-like split, so one linear expert
    /// cannot fit it but a gated mixture can), mapped back to the raw scales.
    /// </summary>
    private static (Tensor Features, int[] Labels) Sample(int rows, RandomSource random, float outlierFraction)
    {
        var features = new Tensor(rows, Features);
        var labels = new int[rows];
        var z = new float[Features];
        for (int r = 0; r < rows; r++)
        {
            float spread = random.NextDouble() < outlierFraction ? 3f : 1f;
            for (int d = 0; d < Features; d++)
            {
                z[d] = spread * (float)random.NextNormal();
            }

            labels[r] = z[0] > 0 ? (z[1] > 0 ? 0 : 1) : (z[1] + z[3] > 0.5f ? 2 : 0);
            for (int d = 0; d < Features; d++)
            {
                features[r, d] = Means[d] + (Deviations[d] * z[d]);
            }
        }

        return (features, labels);
    }
}
