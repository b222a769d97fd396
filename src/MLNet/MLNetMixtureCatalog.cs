using Microsoft.ML;

namespace MLNetMixture.MLNet;

/// <summary>
/// MLNetMixture's entry points on <see cref="MLContext"/>, in ML.NET's style:
/// <c>mlContext.MulticlassClassification.Trainers.MixtureOfExperts(...)</c>,
/// <c>mlContext.Transforms.MixtureDensityFlow(...)</c> and <c>mlContext.Transforms.ScoreOnnxBatched(...)</c>.
/// </summary>
/// <remarks>
/// ML.NET does not let other libraries reach the <see cref="MLContext"/> behind a catalog, so these estimators
/// build their ML.NET transformers with a context of their own (seeded from their options); the transformers do not
/// depend on it once made.
/// </remarks>
public static class MLNetMixtureCatalog
{
    /// <summary>A mixture-of-experts multiclass trainer; see <see cref="MixtureOfExpertsTrainer"/>.</summary>
    /// <param name="catalog">The multiclass trainers' catalog.</param>
    /// <param name="options">Columns, training, export and scoring settings.</param>
    public static MixtureOfExpertsTrainer MixtureOfExperts(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MixtureOfExpertsTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MixtureOfExpertsTrainer(options);
    }

    /// <summary>A mixture-of-experts multiclass trainer with default settings and <paramref name="experts"/> experts.</summary>
    /// <param name="catalog">The multiclass trainers' catalog.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="featureColumnName">The known-size vector of Single feature column.</param>
    /// <param name="experts">The number of experts K.</param>
    public static MixtureOfExpertsTrainer MixtureOfExperts(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features", int experts = 8)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new MixtureOfExpertsTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName };
        options.Training.Experts = experts;
        return new MixtureOfExpertsTrainer(options);
    }

    /// <summary>Fits a mixture-density flow that adds LogDensity and ComponentPosterior columns; see <see cref="FlowDensityEstimator"/>.</summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="options">Columns, flow settings and batch size.</param>
    public static FlowDensityEstimator MixtureDensityFlow(this TransformsCatalog catalog, FlowDensityEstimatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new FlowDensityEstimator(options);
    }

    /// <summary>Fits a mixture-density flow with <paramref name="components"/> base components and default settings; see <see cref="FlowDensityEstimator"/>.</summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="featureColumnName">The known-size vector of Single feature column.</param>
    /// <param name="components">The number of Gaussian components K of the base distribution.</param>
    public static FlowDensityEstimator MixtureDensityFlow(this TransformsCatalog catalog, string featureColumnName = "Features", int components = 4)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new FlowDensityEstimatorOptions { FeatureColumnName = featureColumnName };
        options.Training.Components = components;
        return new FlowDensityEstimator(options);
    }

    /// <summary>Scores an ONNX model file with ONNX Runtime in batches; see <see cref="OnnxBatchScoringEstimator"/>.</summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Input and output columns, device and batch size; null uses the defaults (CPU, every output).</param>
    public static OnnxBatchScoringEstimator ScoreOnnxBatched(this TransformsCatalog catalog, string modelPath, OnnxBatchScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxBatchScoringEstimator(modelPath, options);
    }

    /// <summary>Scores an ONNX model given as bytes with ONNX Runtime in batches; see <see cref="OnnxBatchScoringEstimator"/>.</summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="model">The serialized model.</param>
    /// <param name="options">Input and output columns, device and batch size; null uses the defaults (CPU, every output).</param>
    public static OnnxBatchScoringEstimator ScoreOnnxBatched(this TransformsCatalog catalog, byte[] model, OnnxBatchScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxBatchScoringEstimator(model, options);
    }
}
