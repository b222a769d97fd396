using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Flows;

/// <summary>
/// The chain of ML.NET's own transformers that a <see cref="MixtureDensityFlowAnomalyTransformer"/> saves as:
/// <c>CopyColumns</c> Features ← the feature column (when named otherwise), <c>ApplyOnnxModel</c> over the one-row
/// density graph (LogDensity, a vector of one Single), a binary linear prediction transformer whose model is exactly
/// Score = -1·LogDensity + 0 with its threshold set to the detector's (so PredictedLabel = Score &gt; threshold), then
/// <c>CopyColumns</c> to the configured names and <c>DropColumns</c> of the temporaries.
/// </summary>
/// <remarks>
/// ML.NET's linear model parameters have no public constructor, so the model is trained: <c>AveragedPerceptron</c>
/// without averaging, L2 or shuffling, at rate 1/2 from weight 0 and bias 0, over (x = 1, negative) then (x = -1,
/// positive). The hinge loss's derivative is ±1 on both rows (margins 0), so the steps give w = b = -1/2 and then
/// w = -1, b = 0, exact in binary floating point; <see cref="Build"/> checks the result.
/// </remarks>
internal static class FlowAnomalyOnnxChain
{
    private const string ScoreColumn = "Score";
    private const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>Exports <paramref name="model"/> and builds the chain.</summary>
    public static TransformerChain<ITransformer> Build(MixtureDensityFlowModel model, float threshold, MixtureDensityFlowAnomalyEstimator.Options options)
    {
        string featureColumn = options.Flow.FeatureColumnName;
        var onnx = new MixtureDensityFlowOnnxExporter(new MixtureDensityFlowOnnxExportOptions { SingleRow = true, IncludeComponentOutput = false, FeaturesInputName = featureColumn })
            .ToBytes(model.Model, model.FeatureNames);
        var ml = new MLContext(seed: 1);
        const string logDensity = MixtureDensityFlowOnnxExporter.LogDensityOutput;
        var steps = new List<IEstimator<ITransformer>>();
        steps.Add(ml.Transforms.ApplyOnnxModel([logDensity], [featureColumn], new MemoryStream(onnx, writable: false)));
        steps.Add(new Prefitted(NegatedScore(ml, threshold)));
        var dropped = new List<string> { logDensity };

        if (options.ScoreColumnName != ScoreColumn)
        {
            steps.Add(ml.Transforms.CopyColumns(options.ScoreColumnName, ScoreColumn));
            dropped.Add(ScoreColumn);
        }

        if (options.PredictedLabelColumnName != PredictedLabelColumn)
        {
            steps.Add(ml.Transforms.CopyColumns(options.PredictedLabelColumnName, PredictedLabelColumn));
            dropped.Add(PredictedLabelColumn);
        }

        steps.Add(ml.Transforms.DropColumns([.. dropped]));
        var input = new DataViewSchema.DetachedColumn(featureColumn, new VectorDataViewType(NumberDataViewType.Single, model.Dimension));
        return SchemaOnlyFitting.Fit(steps, [input]);
    }

    private static ITransformer NegatedScore(MLContext ml, float threshold)
    {
        var rows = ml.Data.LoadFromEnumerable(new[] { new Row { Value = [1f], Label = false }, new Row { Value = [-1f], Label = true } });
        var trainer = ml.BinaryClassification.Trainers.AveragedPerceptron(new AveragedPerceptronTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = MixtureDensityFlowOnnxExporter.LogDensityOutput,
            NumberOfIterations = 1,
            Shuffle = false,
            Averaged = false,
            DecreaseLearningRate = false,
            L2Regularization = 0,
            LearningRate = 0.5f,
        });
        var fitted = trainer.Fit(rows);
        var weights = fitted.Model.Weights;
        if (weights.Count != 1 || weights[0] != -1f || fitted.Model.Bias != 0f)
        {
            throw new InvalidOperationException($"ML.NET's AveragedPerceptron moved the negation model to weight {string.Join(", ", weights)}, bias {fitted.Model.Bias}; the anomaly detector cannot be saved.");
        }

        return ml.BinaryClassification.ChangeModelThreshold(fitted, threshold);
    }

    /// <summary>A training row of the negation model.</summary>
    private sealed class Row
    {
        [ColumnName(MixtureDensityFlowOnnxExporter.LogDensityOutput)]
        [VectorType(1)]
        public float[] Value { get; set; } = [];

        public bool Label { get; set; }
    }
}
