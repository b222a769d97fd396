using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Flows;

/// <summary>Scores batches of rows natively as anomalies: Score = -log-density, PredictedLabel = Score &gt; threshold.</summary>
internal sealed class FlowAnomalyScorer : BatchScorer
{
    private readonly MixtureDensityFlowModel _model;
    private readonly float _threshold;
    private readonly FeatureInput[] _inputs;
    private readonly DataViewSchema.DetachedColumn[] _outputs;

    public FlowAnomalyScorer(MixtureDensityFlowModel model, float threshold, string featureColumnName, string scoreColumnName, string predictedLabelColumnName, int batchSize)
    {
        _model = model;
        _threshold = threshold;
        _inputs = [new FeatureInput(featureColumnName, model.Dimension)];
        _outputs =
        [
            new DataViewSchema.DetachedColumn(scoreColumnName, NumberDataViewType.Single),
            new DataViewSchema.DetachedColumn(predictedLabelColumnName, BooleanDataViewType.Instance),
        ];
        BatchSize = batchSize;
    }

    public override IReadOnlyList<FeatureInput> Inputs => _inputs;

    public override IReadOnlyList<DataViewSchema.DetachedColumn> Outputs => _outputs;

    public override int BatchSize { get; }

    public override BatchColumn[] Score(float[][] inputs, int rows)
    {
        var logDensity = _model.LogDensity(new FeatureTable(inputs[0], rows, _model.FeatureNames, null, "ML.NET rows"));
        var score = new float[rows];
        var flagged = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            score[r] = -logDensity[r];
            flagged[r] = score[r] > _threshold;
        }

        return [BatchColumn.Scalars(score), BatchColumn.Scalars(flagged)];
    }
}
