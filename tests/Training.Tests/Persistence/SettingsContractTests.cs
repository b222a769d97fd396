using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Persistence;
using MLNetMixture.Training.Tests.Experts;
using MLNetMixture.Training.Tests.Flows;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Persistence;

/// <summary>Every setting travels through the one JSON contract of the model file, record by record, and comes back as it was.</summary>
public sealed class SettingsContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Flow_settings_are_saved_per_record_and_load_back_equal()
    {
        var options = new MixtureDensityFlowOptions
        {
            Architecture = { FlowType = FlowType.AffineCoupling, Layers = 2, HiddenSizes = [8, 4], LuLinear = false, ActNorm = true, Components = 2, ScaleBound = 2.5f },
            Optimization = { Epochs = 2, BatchSize = 64, LearningRate = 2e-3f, WarmupFraction = 0.1, GradientClipNorm = 3f },
            Validation = { ValidationFraction = 0.2, EarlyStoppingPatience = 3 },
            Seed = 9,
            Threads = 1,
        };
        var model = MixtureDensityFlowModel.Fit(FlowTestData.EightGaussians(300, seed: 1), options, cancellationToken: TestContext.Current.CancellationToken);
        string path = Path.Combine(_dir, "flow.mlmix");
        model.Save(path);

        var header = ModelFile.Load(path, MixtureDensityFlowModel.ModelKind).Configuration;
        Assert.Equal(2e-3f, header["settings"]!["optimization"]!["learningRate"]!.GetValue<float>());
        Assert.Equal("AffineCoupling", header["architecture"]!["flowType"]!.GetValue<string>());
        Assert.Equal(3, header["settings"]!["validation"]!["earlyStoppingPatience"]!.GetValue<int>());

        var loaded = MixtureDensityFlowModel.Load(path).Settings!;
        Assert.Equal(options.Optimization, loaded.Optimization);
        Assert.Equal(options.Validation, loaded.Validation);
        Assert.Equal([8, 4], loaded.Architecture.HiddenSizes);
        Assert.Equal(options.Architecture with { HiddenSizes = loaded.Architecture.HiddenSizes }, loaded.Architecture);
        Assert.Equal((9UL, 1), (loaded.Seed, loaded.Threads));
    }

    [Fact]
    public void Mixture_of_experts_settings_are_saved_per_record_and_load_back_equal()
    {
        var (train, _) = MixtureOfExpertsFittingTests.Animals(perClass: 10, seed: 2);
        var options = new MixtureOfExpertsModelOptions
        {
            Architecture = { Experts = 3, GateHiddenSizes = [4], ExpertHiddenSizes = [6] },
            Loss = { Objective = GateObjective.StraightThrough, LoadBalancingWeight = 0.02f, GateEntropyWeight = -0.1f },
            Temperature = { InitialTemperature = 2f, FinalTemperature = 0.3f, ReachedAtFraction = 0.5, Updates = 7 },
            Optimization = { Epochs = 2, BatchSize = 8, LearningRate = 5e-3f },
            Validation = { EarlyStoppingPatience = 4 },
            ValidationMetric = MixtureOfExpertsValidationMetric.Accuracy,
            Seed = 11,
            Threads = 1,
        };
        var model = MixtureOfExpertsModel.Fit(train, options, cancellationToken: TestContext.Current.CancellationToken);
        string path = Path.Combine(_dir, "moe.mlmix");
        model.Save(path);

        var loaded = MixtureOfExpertsModel.Load(path).Options;
        Assert.Equal(options.Loss, loaded.Loss);
        Assert.Equal(options.Temperature, loaded.Temperature);
        Assert.Equal(options.Optimization, loaded.Optimization);
        Assert.Equal(options.Validation, loaded.Validation);
        Assert.Equal(3, loaded.Architecture.Experts);
        Assert.Equal([4], loaded.Architecture.GateHiddenSizes);
        Assert.Equal([6], loaded.Architecture.ExpertHiddenSizes);
        Assert.Equal((MixtureOfExpertsValidationMetric.Accuracy, 11UL), (loaded.ValidationMetric, loaded.Seed));
    }

    [Fact]
    public void Each_model_declares_only_the_defaults_that_differ_from_the_shared_records()
    {
        // One record per concern: the two models share the optimisation and validation records and differ only where
        // their own options say so.
        var flow = new MixtureDensityFlowOptions();
        var experts = new MixtureOfExpertsModelOptions();
        Assert.Equal(new OptimizationOptions { Epochs = 200 }, flow.Optimization);
        Assert.Equal(new OptimizationOptions { MaxRowVisits = 2_000_000, WeightDecay = 0.1f, LearningRate = 1e-2f }, experts.Optimization);
        Assert.Equal(new ValidationOptions(), flow.Validation);
        Assert.Equal(new ValidationOptions { ValidationFraction = 0, EarlyStoppingPatience = 0 }, experts.Validation);
        Assert.True(flow.Architecture.LuLinear);
        Assert.Equal(1, flow.Architecture.Components);
    }
}
