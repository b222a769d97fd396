using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNetMixture.Transforms.Flows;

/// <summary>
/// Turns a one-slot vector of Single (what ML.NET's ONNX transformer gives for a per-row scalar output) into a Single
/// with ML.NET's own transformers only, so that a saved pipeline loads with stock ML.NET. ML.NET has no built-in
/// "take element 0" for floats (Expression maps vectors slot by slot, DropSlots and Concatenate keep a vector), but a
/// regression prediction transformer's <c>Score</c> is a Single: the linear model y = 1·x + 0 over the one slot is an
/// exact copy of it (NaN and infinities included).
/// </summary>
/// <remarks>
/// ML.NET's linear model parameters, prediction transformers and initial-weights option are not public, so the model
/// is trained: <c>OnlineGradientDescent</c> from weight 0 and bias 0, without averaging, L2 or learning-rate decay, at
/// rate 1/4 over (x = 1, y = 1) then (x = -1, y = -1). With the squared loss's derivative 2(output - label) the first
/// step gives w = b = 1/2 and the second w = 1, b = 0, every value exact in binary floating point;
/// <see cref="Fit"/> checks the result.
/// </remarks>
internal static class OneSlotToScalar
{
    /// <summary>The column the regression writes, ML.NET's fixed score column name.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The identity regression over the one-slot vector column <see cref="InputColumn"/>.</summary>
    public static ITransformer Fit()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(new[] { new Row { Value = [1f], Label = 1f }, new Row { Value = [-1f], Label = -1f } });
        var trainer = ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = InputColumn,
            NumberOfIterations = 1,
            Shuffle = false,
            Averaged = false,
            DecreaseLearningRate = false,
            L2Regularization = 0,
            LearningRate = 0.25f,
        });
        var fitted = trainer.Fit(rows);
        var weights = fitted.Model.Weights;
        if (weights.Count != 1 || weights[0] != 1f || fitted.Model.Bias != 0f)
        {
            throw new InvalidOperationException($"ML.NET's OnlineGradientDescent moved the identity model to weight {string.Join(", ", weights)}, bias {fitted.Model.Bias}; the flow's log-density cannot be saved as a Single.");
        }

        return fitted;
    }

    /// <summary>The one-slot vector column read: the ONNX graph's LogDensity output.</summary>
    public const string InputColumn = "LogDensity";

    /// <summary>A training row of the identity regression.</summary>
    private sealed class Row
    {
        [ColumnName(InputColumn)]
        [VectorType(1)]
        public float[] Value { get; set; } = [];

        public float Label { get; set; }
    }
}
