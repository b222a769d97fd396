using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNetMixture.Training.Experts;

namespace MLNetMixture.Transforms.Tests;

/// <summary>
/// One mixture of experts trained on the letter subset through an ML.NET pipeline and one trained through our own
/// API with the same settings and seed, shared by the tests of a class (training once).
/// </summary>
public sealed class LetterModels
{
    public LetterModels()
    {
        Context = new MLContext(seed: 1);
        Train = LetterData.MLNetTrain(Context);
        Test = LetterData.MLNetTest(Context);
        Pipeline = Context.Transforms.Conversion.MapValueToKey("Label", "label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(Context.Transforms.Concatenate("Features", LetterData.FeatureNames))
            .Append(Context.Transforms.NormalizeMinMax("Features"))
            .Append(Context.MulticlassClassification.Trainers.MixtureOfExperts(new MixtureOfExpertsTrainer.Options(Settings())))
            .Append(Context.Transforms.Conversion.MapKeyToValue("PredictedLetter", "PredictedLabel"));
        Model = Pipeline.Fit(Train);
        Ours = MixtureOfExpertsModel.Fit(LetterData.OurTrain(), Settings());
    }

    public MLContext Context { get; }

    public IDataView Train { get; }

    public IDataView Test { get; }

    public IEstimator<ITransformer> Pipeline { get; }

    public ITransformer Model { get; }

    /// <summary>The trained mixture-of-experts step of <see cref="Model"/>.</summary>
    public MixtureOfExpertsPredictionTransformer MixtureOfExperts =>
        ((IEnumerable<ITransformer>)Model).OfType<MixtureOfExpertsPredictionTransformer>().Single();

    /// <summary>The same model trained through <see cref="MixtureOfExpertsModel"/>.</summary>
    public MixtureOfExpertsModel Ours { get; }

    /// <summary>The settings both models train with.</summary>
    public static MixtureOfExpertsModelOptions Settings() => new()
    {
        Architecture = { Experts = 4, ExpertHiddenSizes = [32] },
        Optimization = { Epochs = 12, BatchSize = 64, LearningRate = 5e-3f },
        Seed = 7,
        Threads = 2,
    };
}
