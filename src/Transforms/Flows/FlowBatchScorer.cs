using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Flows;

/// <summary>Scores batches of rows with a fitted flow natively: log-density and component posterior in one pass.</summary>
internal sealed class FlowBatchScorer : BatchScorer
{
    private readonly MixtureDensityFlowModel _model;
    private readonly FeatureInput[] _inputs;
    private readonly DataViewSchema.DetachedColumn[] _outputs;

    public FlowBatchScorer(MixtureDensityFlowModel model, MixtureDensityFlowEstimator.Options options)
    {
        _model = model;
        _inputs = [new FeatureInput(options.FeatureColumnName, model.Dimension)];
        var slots = Enumerable.Range(0, model.Components).Select(k => $"{MixtureDensityFlowModel.ComponentPosteriorColumnPrefix}.{k}").ToArray();
        _outputs =
        [
            new DataViewSchema.DetachedColumn(options.LogDensityColumnName, NumberDataViewType.Single),
            new DataViewSchema.DetachedColumn(options.ComponentPosteriorColumnName, new VectorDataViewType(NumberDataViewType.Single, model.Components), ColumnNames.SlotNames(slots)),
        ];
        BatchSize = options.ScoringBatchSize;
    }

    public override IReadOnlyList<FeatureInput> Inputs => _inputs;

    public override IReadOnlyList<DataViewSchema.DetachedColumn> Outputs => _outputs;

    public override int BatchSize { get; }

    public override BatchColumn[] Score(float[][] inputs, int rows)
    {
        int d = _model.Dimension, k = _model.Components, width = d + 1 + k;
        var scored = _model.Transform(new FeatureTable(inputs[0], rows, _model.FeatureNames, null, "ML.NET rows"));
        var logDensity = new float[rows];
        var posterior = new float[rows * k];
        var values = scored.Features;
        for (int r = 0; r < rows; r++)
        {
            logDensity[r] = values[(r * width) + d];
            values.AsSpan((r * width) + d + 1, k).CopyTo(posterior.AsSpan(r * k, k));
        }

        return [BatchColumn.Scalars(logDensity), BatchColumn.Vectors(posterior, k)];
    }
}
