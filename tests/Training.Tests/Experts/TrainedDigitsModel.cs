using MLNetMixture.Training.Experts;

namespace MLNetMixture.Training.Tests.Experts;

/// <summary>One mixture of experts trained on the digits slice, shared by the tests that only read it.</summary>
public sealed class TrainedDigitsModel
{
    public TrainedDigitsModel()
    {
        Model = MixtureOfExpertsModel.Fit(DigitsSlice.Train, Options());
    }

    public MixtureOfExpertsModel Model { get; }

    /// <summary>Settings that train the slice in a few seconds on one thread.</summary>
    internal static MixtureOfExpertsModelOptions Options(GateObjective objective = GateObjective.StraightThrough) => new()
    {
        Loss = { Objective = objective },
        Optimization = { Epochs = 40 },
        Threads = 1,
        Seed = 7,
    };
}
