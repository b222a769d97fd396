using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// Adds the outputs of an ONNX model to the data, scored by ONNX Runtime in batches (see
/// <see cref="OnnxBatchScoringTransformer"/>). Nothing is learned: the model is loaded when the estimator is made
/// (so a CUDA device that cannot be used is reported then, or replaced by the CPU when
/// <see cref="OnnxScoringOptions.FallbackToCpu"/> is set), and <see cref="Fit"/> checks the input columns and
/// returns the transformer. Made by <c>mlContext.Transforms.ScoreOnnxBatched(...)</c>.
/// </summary>
public sealed class OnnxBatchScoringEstimator : IEstimator<OnnxBatchScoringTransformer>
{
    private readonly OnnxBatchScoringTransformer _transformer;

    /// <summary>Creates the estimator over an ONNX model file.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Inputs, outputs and execution settings; null uses the defaults.</param>
    public OnnxBatchScoringEstimator(string modelPath, OnnxBatchScoringOptions? options = null)
        : this(ReadModel(modelPath), options)
    {
    }

    /// <summary>Creates the estimator over an ONNX model's bytes.</summary>
    /// <param name="model">The serialized model; copied.</param>
    /// <param name="options">Inputs, outputs and execution settings; null uses the defaults.</param>
    public OnnxBatchScoringEstimator(byte[] model, OnnxBatchScoringOptions? options = null)
    {
        _transformer = OnnxBatchScoringTransformer.Create(model, options ?? new OnnxBatchScoringOptions());
    }

    /// <summary>Checks that <paramref name="input"/> has the columns the model reads and returns the transformer.</summary>
    public OnnxBatchScoringTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _transformer.GetOutputSchema(input.Schema);
        return _transformer;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var scorer = _transformer.BatchScorer;
        foreach (var input in scorer.Inputs)
        {
            SchemaShapes.Require(inputSchema, input.ColumnName, c => c.Kind == SchemaShape.Column.VectorKind.Vector && !c.IsKey && c.ItemType == NumberDataViewType.Single, $"a known-size vector of {input.Width} Single values", "ScoreOnnxBatched");
        }

        var added = scorer.Outputs.Select(c => c.Type switch
        {
            VectorDataViewType { ItemType: var item } when item == NumberDataViewType.Single => SchemaShapes.SingleVector(c.Name),
            VectorDataViewType => SchemaShapes.Int64Vector(c.Name),
            var t when t == NumberDataViewType.Single => SchemaShapes.Single(c.Name),
            _ => SchemaShapes.Int64(c.Name),
        }).ToArray();
        return SchemaShapes.With(inputSchema, added);
    }

    private static byte[] ReadModel(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist.", modelPath);
        }

        return File.ReadAllBytes(modelPath);
    }
}
