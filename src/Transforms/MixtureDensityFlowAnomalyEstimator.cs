using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms;

/// <summary>
/// Density as anomaly detection: fits a mixture-density flow to the (normal) training rows and gives a
/// <see cref="MixtureDensityFlowAnomalyTransformer"/> that adds <c>Score</c> (Single, the negative log-density: higher
/// is more anomalous) and <c>PredictedLabel</c> (Boolean, score above the threshold), the columns
/// <c>mlContext.AnomalyDetection.Evaluate</c> reads. Made by <c>mlContext.AnomalyDetection.Trainers.MixtureDensityFlow(...)</c>.
/// </summary>
/// <remarks>
/// The threshold is <see cref="Options.Threshold"/> when set, else the training rows' score quantile that flags
/// <see cref="Options.Contamination"/> of them.
/// </remarks>
public sealed partial class MixtureDensityFlowAnomalyEstimator : IEstimator<MixtureDensityFlowAnomalyTransformer>
{
    private const string Name = "MixtureDensityFlowAnomaly";

    /// <summary>Creates the estimator.</summary>
    /// <param name="options">The settings; null uses the defaults. Copied (shallowly) and checked.</param>
    public MixtureDensityFlowAnomalyEstimator(Options? options = null)
    {
        Settings = options?.Clone() ?? new Options();
        Settings.Validate();
    }

    /// <summary>The settings (a copy of those given).</summary>
    public Options Settings { get; }

    /// <summary>Fits the flow to the feature column of <paramref name="input"/> and picks the threshold.</summary>
    public MixtureDensityFlowAnomalyTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var flow = new MixtureDensityFlowEstimator(Settings.Flow).Fit(input);
        float threshold = Settings.Threshold ?? Quantile(flow, input, 1 - Settings.Contamination);
        return new MixtureDensityFlowAnomalyTransformer(flow.Model, threshold, Settings);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        string features = Settings.Flow.FeatureColumnName;
        SchemaShapes.Require(inputSchema, features, c => c.Kind == SchemaShape.Column.VectorKind.Vector && !c.IsKey && c.ItemType == NumberDataViewType.Single, "a known-size vector of Single", Name);
        return SchemaShapes.With(inputSchema, SchemaShapes.Single(Settings.ScoreColumnName), SchemaShapes.Boolean(Settings.PredictedLabelColumnName));
    }

    /// <summary>The <paramref name="level"/> quantile of the finite training scores (negative log-densities).</summary>
    private static float Quantile(MixtureDensityFlowTransformer flow, IDataView input, double level)
    {
        var scored = flow.Transform(input);
        var column = scored.Schema[flow.Settings.LogDensityColumnName];
        var scores = new List<float>();
        using (var cursor = scored.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                if (float.IsFinite(value))
                {
                    scores.Add(-value);
                }
            }
        }

        if (scores.Count == 0)
        {
            throw new ArgumentException($"{Name}: no training row has a finite score.", nameof(input));
        }

        scores.Sort();
        int index = Math.Clamp((int)Math.Ceiling(level * scores.Count) - 1, 0, scores.Count - 1);
        return scores[index];
    }
}
