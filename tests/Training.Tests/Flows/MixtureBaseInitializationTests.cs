using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>
/// The start of a learnable mixture base (issue 16): with the default start a K-component base does no worse than
/// K = 1 on unimodal data and still beats it on separated modes.
/// </summary>
public sealed class MixtureBaseInitializationTests
{
    private readonly ITestOutputHelper _output;

    public MixtureBaseInitializationTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void The_standard_normal_start_is_a_k1_base_up_to_the_jitter()
    {
        var data = FlowTestData.EightGaussians(500, seed: 4);
        var model = Initialized(data, MixtureBaseInitialization.StandardNormal);
        Assert.All(model.Base.LogSigmas.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Base.WeightLogits.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Base.Means.Value.ToArray(), v => Assert.InRange(v, -5 * MixtureDensityFlowInitializer.StandardNormalJitter, 5 * MixtureDensityFlowInitializer.StandardNormalJitter));
    }

    [Fact]
    public void On_unimodal_data_a_four_component_base_scores_within_five_hundredths_of_a_nat_of_one_component()
    {
        var train = SkewedUnimodal(1500, seed: 1);
        var validation = SkewedUnimodal(500, seed: 2);
        double one = Fit(train, validation, 1, MixtureBaseInitialization.ChosenByValidation).LogDensity(validation).Average();
        double four = Fit(train, validation, 4, MixtureBaseInitialization.ChosenByValidation).LogDensity(validation).Average();
        double plain = Fit(train, validation, 4, MixtureBaseInitialization.KMeans).LogDensity(validation).Average();
        _output.WriteLine($"unimodal validation LL: K=1 {one:F4}, K=4 (default start) {four:F4}, K=4 from k-means {plain:F4}");
        // Measured: K=1 -3.562, K=4 -3.529 with the default start, -3.647 from k-means alone (which this margin rejects).
        Assert.True(four > one - 0.05, $"K=1: {one:F4}, K=4: {four:F4}");
    }

    [Fact]
    public void On_eight_modes_an_eight_component_base_still_beats_one_component()
    {
        var train = FlowTestData.EightGaussians(2000, seed: 1);
        var validation = FlowTestData.EightGaussians(500, seed: 2);
        double one = Fit(train, validation, 1, MixtureBaseInitialization.ChosenByValidation).LogDensity(validation).Average();
        double eight = Fit(train, validation, 8, MixtureBaseInitialization.ChosenByValidation).LogDensity(validation).Average();
        _output.WriteLine($"8 Gaussians validation LL: K=1 {one:F4}, K=8 {eight:F4}");
        Assert.True(eight > one + 0.3, $"K=1: {one:F4}, K=8: {eight:F4}");
    }

    [Fact]
    public void The_default_start_keeps_whichever_of_the_two_starts_validates_better_and_records_it()
    {
        var train = SkewedUnimodal(800, seed: 5);
        var validation = SkewedUnimodal(300, seed: 6);
        var chosen = Fit(train, validation, 3, MixtureBaseInitialization.ChosenByValidation);
        var fromClusters = Fit(train, validation, 3, MixtureBaseInitialization.KMeans);
        var fromStandardNormal = Fit(train, validation, 3, MixtureBaseInitialization.StandardNormal);
        double best = Math.Max(fromClusters.Training!.BestValidation!.Value, fromStandardNormal.Training!.BestValidation!.Value);
        var expected = fromStandardNormal.Training.BestValidation > fromClusters.Training.BestValidation ? fromStandardNormal : fromClusters;

        Assert.Equal(best, chosen.Training!.BestValidation!.Value);
        Assert.Equal(expected.Architecture.BaseInitialization, chosen.Architecture.BaseInitialization);
        Assert.Equal(expected.LogDensity(validation), chosen.LogDensity(validation));
        Assert.Equal(MixtureBaseInitialization.ChosenByValidation, chosen.Settings!.Architecture.BaseInitialization);
    }

    /// <summary>The default flow (MAF), small enough to train in about a second.</summary>
    private static MixtureDensityFlowModel Fit(FeatureTable train, FeatureTable validation, int components, MixtureBaseInitialization start)
    {
        var options = new MixtureDensityFlowOptions
        {
            Architecture = { Layers = 2, HiddenSizes = [16, 16], Components = components, BaseInitialization = start },
            Optimization = { Epochs = 12, LearningRate = 3e-3f },
            Threads = 1,
            Seed = 3,
        };
        return MixtureDensityFlowModel.Fit(train, options, validation, cancellationToken: TestContext.Current.CancellationToken);
    }

    private static MixtureDensityFlow Initialized(FeatureTable data, MixtureBaseInitialization start)
    {
        var architecture = new MixtureDensityFlowArchitecture { Dimension = 2, Layers = 1, HiddenSizes = [4], Components = 8, BaseInitialization = start };
        var model = architecture.Build(new RandomSource(1));
        MixtureDensityFlowInitializer.Initialize(model, new Tensor(data.Features.ToArray(), data.Rows, 2), new RandomSource(2), baseInitialization: start);
        return model;
    }

    /// <summary>A single skewed, correlated, heavy-tailed bump in three dimensions: one mode, no clusters to find.</summary>
    private static FeatureTable SkewedUnimodal(int rows, ulong seed)
    {
        var random = new RandomSource(seed);
        var values = new float[rows * 3];
        for (int i = 0; i < rows; i++)
        {
            double a = random.NextNormal(), b = random.NextNormal(), c = random.NextNormal();
            values[3 * i] = (float)(Math.Exp(0.5 * a) + (0.3 * b));
            values[(3 * i) + 1] = (float)(a + (0.5 * b * b));
            values[(3 * i) + 2] = (float)(Math.Sinh(0.8 * c) + (0.4 * a));
        }

        return new FeatureTable(values, rows, ["a", "b", "c"], null, $"unimodal({seed})");
    }
}
