using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.MLNet.Tests;

public sealed class MixtureOfExpertsPipelineTests(LetterModels letter) : IClassFixture<LetterModels>
{
    [Fact]
    public void Pipeline_accuracy_matches_our_api_within_half_a_point()
    {
        var scored = letter.Model.Transform(letter.Test);
        var metrics = letter.Context.MulticlassClassification.Evaluate(scored);
        double ours = letter.Ours.Evaluate(LetterData.OurTest()).Accuracy;
        Console.WriteLine($"letter ({LetterData.TrainRows} training rows): accuracy through ML.NET {metrics.MicroAccuracy:F4}, through our API {ours:F4}");
        Assert.InRange(metrics.MicroAccuracy, 0.6, 1.0);
        Assert.InRange(metrics.MicroAccuracy - ours, -0.005, 0.005);
    }
}
