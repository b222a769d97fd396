using Microsoft.ML;
using MLNetMixture.Transforms.Loading;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// MLNetMixture's entry points on <see cref="MLContext"/>, in ML.NET's style:
/// <c>mlContext.MulticlassClassification.Trainers.MixtureOfExperts(...)</c>,
/// <c>mlContext.Transforms.MixtureDensityFlow(...)</c>, <c>mlContext.AnomalyDetection.Trainers.MixtureDensityFlow(...)</c> and <c>mlContext.Transforms.ScoreOnnxBatched(...)</c>; and
/// <c>mlContext.LoadBatched(...)</c>, which loads a saved model with its ONNX steps scored in batches.
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
    /// <param name="options">Columns, hyperparameters, export and scoring settings.</param>
    public static MixtureOfExpertsTrainer MixtureOfExperts(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MixtureOfExpertsTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MixtureOfExpertsTrainer(options);
    }

    /// <summary>
    /// A mixture-of-experts multiclass trainer with the knobs that matter most; every other setting, and each of
    /// these left null, keeps the default of <see cref="MixtureOfExpertsTrainer.Options"/>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers' catalog.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="featureColumnName">The known-size vector of Single feature column.</param>
    /// <param name="experts">The number of experts K; null keeps the default.</param>
    /// <param name="epochs">The most passes over the training data; null keeps the default.</param>
    /// <param name="learningRate">The peak learning rate; null keeps the default.</param>
    public static MixtureOfExpertsTrainer MixtureOfExperts(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int? experts = null,
        int? epochs = null,
        float? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new MixtureOfExpertsTrainer.Options { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName };
        options.Experts = experts ?? options.Experts;
        options.Epochs = epochs ?? options.Epochs;
        options.LearningRate = learningRate ?? options.LearningRate;
        return new MixtureOfExpertsTrainer(options);
    }

    /// <summary>Fits a mixture-density flow that adds LogDensity and ComponentPosterior columns; see <see cref="MixtureDensityFlowEstimator"/>.</summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="options">Columns, flow settings and batch size.</param>
    public static MixtureDensityFlowEstimator MixtureDensityFlow(this TransformsCatalog catalog, MixtureDensityFlowEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MixtureDensityFlowEstimator(options);
    }

    /// <summary>
    /// Fits a mixture-density flow with the few usual knobs; a null knob keeps the default of
    /// <see cref="MixtureDensityFlowEstimator.Options"/> (the model API's); see <see cref="MixtureDensityFlowEstimator"/>.
    /// </summary>
    /// <param name="catalog">The transforms' catalog.</param>
    /// <param name="featureColumnName">The known-size vector of Single feature column.</param>
    /// <param name="components">The number of Gaussian components K of the base distribution; null for the model default.</param>
    /// <param name="layers">The number of flow layers; null for the model default.</param>
    /// <param name="epochs">The maximum number of training epochs; null for the model default.</param>
    /// <param name="seed">The seed of every random choice; null for the model default.</param>
    public static MixtureDensityFlowEstimator MixtureDensityFlow(this TransformsCatalog catalog, string featureColumnName = "Features", int? components = null, int? layers = null, int? epochs = null, ulong? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MixtureDensityFlowEstimator(FlowOptions(featureColumnName, components, layers, epochs, seed));
    }

    private static MixtureDensityFlowEstimator.Options FlowOptions(string featureColumnName, int? components, int? layers, int? epochs, ulong? seed)
    {
        var options = new MixtureDensityFlowEstimator.Options { FeatureColumnName = featureColumnName };
        options.Components = components ?? options.Components;
        options.Layers = layers ?? options.Layers;
        options.Epochs = epochs ?? options.Epochs;
        options.Seed = seed ?? options.Seed;
        return options;
    }

    /// <summary>
    /// Density as anomaly detection: a mixture-density flow fitted to the (normal) training rows that adds
    /// <c>Score</c> (negative log-density) and <c>PredictedLabel</c>; see <see cref="MixtureDensityFlowAnomalyEstimator"/>.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers' catalog.</param>
    /// <param name="options">The flow, the output columns and the threshold or contamination rate.</param>
    public static MixtureDensityFlowAnomalyEstimator MixtureDensityFlow(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, MixtureDensityFlowAnomalyEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MixtureDensityFlowAnomalyEstimator(options);
    }

    /// <summary>
    /// Density as anomaly detection with the few usual knobs; a null knob keeps the default of
    /// <see cref="MixtureDensityFlowAnomalyEstimator.Options"/>; see <see cref="MixtureDensityFlowAnomalyEstimator"/>.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers' catalog.</param>
    /// <param name="featureColumnName">The known-size vector of Single feature column.</param>
    /// <param name="contamination">The fraction of training rows to flag, which picks the threshold; null for the default.</param>
    /// <param name="threshold">A fixed threshold on the score instead; null picks it from the contamination.</param>
    /// <param name="components">The number of Gaussian components K of the base distribution; null for the model default.</param>
    /// <param name="epochs">The maximum number of training epochs; null for the model default.</param>
    /// <param name="seed">The seed of every random choice; null for the model default.</param>
    public static MixtureDensityFlowAnomalyEstimator MixtureDensityFlow(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, string featureColumnName = "Features", double? contamination = null, float? threshold = null, int? components = null, int? epochs = null, ulong? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new MixtureDensityFlowAnomalyEstimator.Options { Flow = FlowOptions(featureColumnName, components, null, epochs, seed), Threshold = threshold };
        options.Contamination = contamination ?? options.Contamination;
        return new MixtureDensityFlowAnomalyEstimator(options);
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

    /// <summary>
    /// Loads a model saved with <c>mlContext.Model.Save</c>, as <c>mlContext.Model.Load</c> does, and replaces each of
    /// its ML.NET ONNX transformers (nested chains included: the steps MLNetMixture's mixture-of-experts and flow
    /// transformers save as) by a batched ONNX Runtime scorer with the same columns and types; see <see cref="BatchedModel"/>.
    /// </summary>
    /// <param name="mlContext">The loading context: unless <paramref name="scoring"/> is given, its <see cref="MLContext.GpuDeviceId"/>
    /// and <see cref="MLContext.FallbackToCpu"/> choose the device (see <see cref="GetOnnxScoringOptions"/>).</param>
    /// <param name="path">The model zip.</param>
    /// <param name="inputSchema">The schema of the data the model was saved for.</param>
    /// <param name="scoring">Device, fallback, batch size (rows per ONNX Runtime call, default 1,024), threads and
    /// warning callback; null takes the device from <paramref name="mlContext"/>.</param>
    /// <remarks>
    /// <para>
    /// With CUDA requested and fallback allowed, a machine that cannot run it scores on the CPU and warns once for the
    /// whole model (<see cref="OnnxScoringOptions.Warning"/>, else standard error); <see cref="BatchedModel.FallbackReason"/>
    /// says what is missing. Without fallback, <see cref="ExecutionProviderUnavailableException"/> says it.
    /// </para>
    /// <para>
    /// ML.NET's ONNX transformers are still loaded (on the CPU, whatever the context says) to read their columns and
    /// to save the model again; the ONNX models themselves are read from the zip. A saved flow's one-row graph is
    /// turned back into its batched graph; other ONNX graphs fixed to one row are scored one row per call.
    /// </para>
    /// </remarks>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an ML.NET model zip, or its ONNX models are not where ML.NET 6 puts them.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">CUDA was requested without fallback and cannot be used.</exception>
    public static BatchedModel LoadBatched(this MLContext mlContext, string path, out DataViewSchema inputSchema, OnnxScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ML.NET model '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return BatchedModelLoader.Load(mlContext, stream, $"model '{path}'", scoring, out inputSchema);
    }

    /// <summary>Loads a model zip from a stream; see <see cref="LoadBatched(MLContext, string, out DataViewSchema, OnnxScoringOptions?)"/>.</summary>
    /// <param name="mlContext">The loading context (its GPU settings apply unless <paramref name="scoring"/> is given).</param>
    /// <param name="stream">The model zip, read from its current position; a stream that cannot seek is copied first.</param>
    /// <param name="inputSchema">The schema of the data the model was saved for.</param>
    /// <param name="scoring">Device, fallback, batch size, threads and warning callback; null takes the device from <paramref name="mlContext"/>.</param>
    public static BatchedModel LoadBatched(this MLContext mlContext, Stream stream, out DataViewSchema inputSchema, OnnxScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        return BatchedModelLoader.Load(mlContext, stream, "the model stream", scoring, out inputSchema);
    }

    /// <summary>
    /// The device settings of <paramref name="mlContext"/> as <see cref="OnnxScoringOptions"/>: CUDA device
    /// <see cref="MLContext.GpuDeviceId"/> when it is set (else the CPU) and <see cref="MLContext.FallbackToCpu"/>;
    /// the other settings keep their defaults. Change them with <c>with</c>, e.g.
    /// <c>mlContext.GetOnnxScoringOptions() with { BatchSize = 4096 }</c>.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    public static OnnxScoringOptions GetOnnxScoringOptions(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new OnnxScoringOptions
        {
            Device = mlContext.GpuDeviceId is null ? OnnxExecutionDevice.Cpu : OnnxExecutionDevice.Cuda,
            DeviceId = mlContext.GpuDeviceId ?? 0,
            FallbackToCpu = mlContext.FallbackToCpu,
        };
    }
}
