using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>Small 2D data sets and fast flow settings shared by the flow tests.</summary>
internal static class FlowTestData
{
    public static FeatureTable EightGaussians(int rows, ulong seed, float shiftX = 0f, float shiftY = 0f)
    {
        var values = ToyDensities2D.Sample(ToyDensity2D.EightGaussians, rows, seed);
        for (int i = 0; i < rows; i++)
        {
            values[2 * i] += shiftX;
            values[(2 * i) + 1] += shiftY;
        }

        return new FeatureTable(values, rows, ["x", "y"], null, $"8gaussians({seed})");
    }

    /// <summary>A small spline flow that trains in about a second on 2,000 two-dimensional rows.</summary>
    public static MixtureDensityFlowOptions Small(int components, int epochs = 10) => new()
    {
        Architecture = { FlowType = FlowType.SplineCoupling, Layers = 2, HiddenSizes = [16], SplineBins = 6, Components = components },
        Optimization = { Epochs = epochs, BatchSize = 128, LearningRate = 3e-3f },
        Threads = 1,
        Seed = 7,
    };
}
