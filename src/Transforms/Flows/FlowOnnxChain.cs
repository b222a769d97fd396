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
/// <item><description><c>CustomMapping</c> (<see cref="LogDensityScalarMapping"/>): the log-density as a Single;</description></item>
/// <item><description><c>CopyColumns</c> to the configured output names, then <c>DropColumns</c> of the temporary column.</description></item>
/// </list>
/// </remarks>
internal static class FlowOnnxChain
{
    /// <summary>Exports <paramref name="model"/> and builds the chain.</summary>
    /// <param name="model">The fitted flow.</param>
    /// <param name="options">The column names.</param>
    public static TransformerChain<ITransformer> Build(MixtureDensityFlowModel model, MixtureDensityFlowEstimator.Options options)
    {
        var onnx = new MixtureDensityFlowOnnxExporter(new MixtureDensityFlowOnnxExportOptions { SingleRow = true, IncludeComponentOutput = false })
            .ToBytes(model.Model, model.FeatureNames);
        var ml = new MLContext(seed: 1);
        const string features = MixtureDensityFlowOnnxExporter.FeaturesInput;
        const string logDensity = MixtureDensityFlowOnnxExporter.LogDensityOutput;
        const string posterior = MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput;
        var steps = new List<IEstimator<ITransformer>>();
        if (options.FeatureColumnName != features)
        {
            steps.Add(ml.Transforms.CopyColumns(features, options.FeatureColumnName));
        }

        steps.Add(ml.Transforms.ApplyOnnxModel([logDensity, posterior], [features], new MemoryStream(onnx, writable: false)));
        steps.Add(ml.Transforms.CustomMapping<LogDensityScalarMapping.Vector, LogDensityScalarMapping.Scalar>(LogDensityScalarMapping.Map, LogDensityScalarMapping.ContractName));
        steps.Add(ml.Transforms.CopyColumns(options.LogDensityColumnName, LogDensityScalarMapping.OutputColumn));
        if (options.ComponentPosteriorColumnName != posterior)
        {
            steps.Add(ml.Transforms.CopyColumns(options.ComponentPosteriorColumnName, posterior));
        }

        steps.Add(ml.Transforms.DropColumns(LogDensityScalarMapping.OutputColumn));
        var input = new DataViewSchema.DetachedColumn(options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, model.Dimension));
        return SchemaOnlyFitting.Fit(steps, [input]);
    }
}
