using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// An ML.NET model loaded by <see cref="MLNetMixtureCatalog.LoadBatched(MLContext, string, out DataViewSchema, OnnxScoringOptions?)"/>:
/// ML.NET's own transformers, except that every ML.NET ONNX transformer is replaced by an
/// <see cref="OnnxBatchScoringTransformer"/> over the same ONNX model, which adds the same columns with the same
/// types and scores <see cref="OnnxScoringOptions.BatchSize"/> rows per ONNX Runtime call on the device chosen at
/// load (ML.NET's ONNX transformer scores one row per call).
/// </summary>
/// <remarks>
/// Use it like the model <c>mlContext.Model.Load</c> returns: <see cref="Transform"/>, prediction engines (one row
/// per call), and saving, which writes the model as it was loaded (each replacement saves as the ML.NET ONNX
/// transformer it stands for). Dispose it to release the ONNX Runtime sessions.
/// </remarks>
public sealed class BatchedModel : ITransformer, IDisposable
{
    private readonly OnnxBatchScoringTransformer[] _steps;

    internal BatchedModel(ITransformer model, IEnumerable<OnnxBatchScoringTransformer> steps)
    {
        Model = model;
        _steps = [.. steps];
    }

    /// <summary>The loaded model with its ONNX transformers replaced: a <see cref="TransformerChain{TLastTransformer}"/> for a saved pipeline.</summary>
    public ITransformer Model { get; }

    /// <summary>The batched scorers that replaced ML.NET's ONNX transformers, in chain order (nested chains included).</summary>
    public IReadOnlyList<OnnxBatchScoringTransformer> OnnxSteps => _steps;

    /// <summary>
    /// The execution provider the ONNX steps use ("CUDAExecutionProvider" or "CPUExecutionProvider"; the distinct
    /// providers joined by ", " if they differ), or null when the model has no ONNX step.
    /// </summary>
    public string? ActiveProvider => _steps.Length == 0 ? null : string.Join(", ", _steps.Select(s => s.ActiveProvider).Distinct(StringComparer.Ordinal));

    /// <summary>Why CUDA is not used although it was requested with fallback (the first ONNX step's reason), or null.</summary>
    public string? FallbackReason => _steps.Select(s => s.FallbackReason).FirstOrDefault(r => r is not null);

    /// <inheritdoc />
    public bool IsRowToRowMapper => Model.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Model.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => Model.Transform(input);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Model.GetRowToRowMapper(inputSchema);

    /// <summary>Writes <see cref="Model"/>, which ML.NET saves as the model that was loaded.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)Model).Save(ctx);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var step in _steps)
        {
            step.Dispose();
        }
    }
}
