using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Flows;

/// <summary>
/// Builds the chain of ML.NET's own transformers that scores a mixture-density flow and that ML.NET can save and
/// load: the flow exported as a one-row ONNX density graph (<see cref="MixtureDensityFlowOnnxExportOptions.SingleRow"/>)
/// under <c>ApplyOnnxModel</c>, then the steps that give the columns the native transformer declares.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><description><c>CopyColumns</c> Features ← the feature column, when it has another name (the ONNX input is Features);</description></item>
/// <item><description><c>ApplyOnnxModel</c>: LogDensity (vector of one Single) and ComponentPosterior (vector of K Single, from the graph's [K] output);</description></item>
/// <item><description>a regression prediction transformer (<see cref="OneSlotToScalar"/>, y = 1·x + 0): the log-density as a Single <c>Score</c>;</description></item>
/// <item><description><c>CopyColumns</c> to the configured output names, then <c>DropColumns</c> of <c>Score</c>.</description></item>
/// </list>
/// Every step is one of ML.NET's own transformers, so the saved pipeline loads and scores in a process that references
/// only Microsoft.ML and Microsoft.ML.OnnxTransformer. The regression's <c>Score</c> column is dropped again, so an
/// input column named Score is dropped too.
/// </remarks>
internal static class FlowOnnxChain
{
    /// <summary>Exports <paramref name="model"/> and builds the chain.</summary>
    /// <param name="model">The fitted flow.</param>
    /// <param name="options">The column names.</param>
    public static TransformerChain<ITransformer> Build(MixtureDensityFlowModel model, MixtureDensityFlowEstimator.Options options)
    {
        var onnx = new MixtureDensityFlowOnnxExporter(new MixtureDensityFlowOnnxExportOptions { SingleRow = true, IncludeComponentOutput = false, FeaturesInputName = options.FeatureColumnName })
            .ToBytes(model.Model, model.FeatureNames);
        var ml = new MLContext(seed: 1);
        const string logDensity = MixtureDensityFlowOnnxExporter.LogDensityOutput;
        const string posterior = MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput;
        var steps = new List<IEstimator<ITransformer>>();
        steps.Add(ml.Transforms.ApplyOnnxModel([logDensity, posterior], [options.FeatureColumnName], new MemoryStream(onnx, writable: false)));
        steps.Add(new Prefitted(OneSlotToScalar.Fit()));
        steps.Add(ml.Transforms.CopyColumns(options.LogDensityColumnName, OneSlotToScalar.ScoreColumn));
        if (options.ComponentPosteriorColumnName != posterior)
        {
            steps.Add(ml.Transforms.CopyColumns(options.ComponentPosteriorColumnName, posterior));
        }

        steps.Add(ml.Transforms.DropColumns(OneSlotToScalar.ScoreColumn));
        var input = new DataViewSchema.DetachedColumn(options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, model.Dimension));
        return SchemaOnlyFitting.Fit(steps, [input]);
    }
}

/// <summary>A transformer fitted elsewhere, as a step of <see cref="SchemaOnlyFitting"/> (which fits on no rows).</summary>
internal sealed class Prefitted(ITransformer transformer) : IEstimator<ITransformer>
{
    public ITransformer Fit(IDataView input) => transformer;

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => throw new NotSupportedException("A prefitted step has no schema-shape propagation.");
}
