using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>One small K = 8 flow fitted to shifted 8gaussians, shared by the transformer tests (fitted once per run).</summary>
public sealed class SmallFittedFlow
{
    public SmallFittedFlow()
    {
        Train = FlowTestData.EightGaussians(2000, seed: 1, shiftX: 3f, shiftY: -2f);
        Validation = FlowTestData.EightGaussians(500, seed: 2, shiftX: 3f, shiftY: -2f);
        Model = MixtureDensityFlowModel.Fit(Train, FlowTestData.Small(components: 8), Validation);
    }

    public FeatureTable Train { get; }

    public FeatureTable Validation { get; }

    public MixtureDensityFlowModel Model { get; }
}
