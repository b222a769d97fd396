using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// Scores an ONNX model inside an ML.NET pipeline with ONNX Runtime in batches: a cursor reads
/// <see cref="OnnxScoringOptions.BatchSize"/> rows ahead and runs them in one call through <see cref="OnnxScorer"/>
/// (one session, on the CPU or a CUDA device, with a working CPU fallback), where ML.NET's own
/// <c>ApplyOnnxModel</c> runs the model once per row with a batch dimension of 1. Row-at-a-time consumers
/// (<see cref="PredictionEngine{TSrc, TDst}"/>) score one row per call through <see cref="GetRowToRowMapper"/>.
/// </summary>
/// <remarks>
/// <para>
/// Made by <see cref="OnnxBatchScoringEstimator"/> (<c>mlContext.Transforms.ScoreOnnxBatched(...)</c>), for a
/// fitted mixture of experts by <see cref="MixtureOfExpertsPredictionTransformer.ToBatchedScoring"/>, and by
/// <see cref="MLNetMixtureCatalog.LoadBatched(MLContext, string, out DataViewSchema, OnnxScoringOptions?)"/> in place of each ML.NET
/// ONNX transformer of a loaded model.
/// </para>
/// <para>
/// ML.NET cannot write a third-party transformer into its model zip: saving a model that holds a transformer made by
/// the estimator throws <see cref="NotSupportedException"/>; keep the ONNX model (<see cref="SaveOnnx"/>) and create
/// the transformer again, or persist through ML.NET's own ONNX transformer (<see cref="MixtureOfExpertsPredictionTransformer"/>
/// does). A transformer made by <c>LoadBatched</c> saves as the ML.NET ONNX transformer it replaced, so a loaded model
/// saves again as it was. Cursors read the input twice over, once for the
/// features a batch ahead and once for the columns passed through, so the input must give the same rows to every
/// cursor (ML.NET data views do); the output does not shuffle.
/// </para>
/// </remarks>
public sealed class OnnxBatchScoringTransformer : ITransformer, IDisposable
{
    private const string Name = "ONNX batch scoring";
    private readonly OnnxScorer _scorer;
    private readonly OnnxBatchScorer _batchScorer;
    private readonly byte[] _model;
    private readonly OnnxTransformer? _replaced;

    internal OnnxBatchScoringTransformer(byte[] model, OnnxScorer scorer, OnnxBatchScorer batchScorer, OnnxTransformer? replaced = null)
    {
        _model = model;
        _scorer = scorer;
        _batchScorer = batchScorer;
        _replaced = replaced;
    }

    /// <summary>The execution provider ONNX Runtime uses: "CPUExecutionProvider" or "CUDAExecutionProvider".</summary>
    public string ActiveProvider => _scorer.ActiveProvider;

    /// <summary>Why CUDA is not used although it was requested with fallback, or null.</summary>
    public string? FallbackReason => _scorer.FallbackReason;

    /// <summary>The model's custom metadata (for MLNetMixture models: feature names, class labels, standardisation).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _scorer.Metadata;

    /// <summary>The columns this transformer adds, in order.</summary>
    public IReadOnlyList<string> OutputColumnNames => _batchScorer.Outputs.Select(c => c.Name).ToArray();

    /// <summary>Rows per ONNX Runtime call.</summary>
    public int BatchSize => _batchScorer.BatchSize;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The batch scorer behind the transformer.</summary>
    internal OnnxBatchScorer BatchScorer => _batchScorer;

    /// <summary>The ONNX Runtime session behind the transformer (its run counts show the rows per call).</summary>
    internal OnnxScorer Scorer => _scorer;

    /// <summary>Writes the ONNX model this transformer scores to <paramref name="path"/>.</summary>
    public void SaveOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllBytes(path, _model);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => BatchScoringSchema.Create(inputSchema, _batchScorer, Name).Output;

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, _batchScorer, Name);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchScoringRowMapper(inputSchema, _batchScorer, Name);

    /// <summary>
    /// Writes the ML.NET ONNX transformer this one replaced (made by <c>LoadBatched</c>); otherwise throws: ML.NET's
    /// model zip has no place for a third-party transformer.
    /// </summary>
    /// <exception cref="NotSupportedException">The transformer was not made by <c>LoadBatched</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (_replaced is not null)
        {
            ((ICanSaveModel)_replaced).Save(ctx);
            return;
        }

        throw new NotSupportedException("OnnxBatchScoringTransformer cannot be saved into an ML.NET model: ML.NET writes only its own transformers. Save the ONNX model with SaveOnnx and create the transformer again with mlContext.Transforms.ScoreOnnxBatched, or persist through ML.NET's ApplyOnnxModel (a MixtureOfExpertsPredictionTransformer saves that way).");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _scorer.Dispose();
        _replaced?.Dispose();
    }

    /// <summary>Creates the transformer over a model's bytes, checking inputs and outputs against the options.</summary>
    /// <param name="model">The ONNX model.</param>
    /// <param name="options">Columns and scoring settings.</param>
    /// <param name="outputs">The columns to add; null derives them from the options.</param>
    /// <param name="source">What the model is, for messages; null says "an in-memory model".</param>
    /// <param name="replaced">The ML.NET ONNX transformer this one stands for: written when saved, disposed with this one.</param>
    internal static OnnxBatchScoringTransformer Create(byte[] model, OnnxBatchScoringOptions options, Func<OnnxScorer, IReadOnlyList<OnnxOutputColumn>>? outputs = null, string? source = null, OnnxTransformer? replaced = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var scoring = options.Scoring ?? new OnnxScoringOptions();
        if (scoring.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), scoring.BatchSize, "The batch size must be at least 1.");
        }

        var scorer = source is null ? OnnxScorer.Load(model, scoring) : OnnxScorer.Load(model, scoring, source);
        try
        {
            var inputs = new List<(string, FeatureInput)>();
            var scalars = new Dictionary<string, float>(StringComparer.Ordinal);
            foreach (string input in scorer.InputNames)
            {
                long width = scorer.InputWidth(input);
                bool scalar = options.ScalarInputs.TryGetValue(input, out float value);
                if (scalar)
                {
                    scalars[input] = value;
                    continue;
                }

                if (width <= 0)
                {
                    throw new NotSupportedException($"ONNX input '{input}' has a row width known only at run time; batched scoring needs a fixed width to declare its column.");
                }

                string column = options.InputColumns.TryGetValue(input, out var c) ? c : input;
                inputs.Add((input, new FeatureInput(column, checked((int)width))));
            }

            var unknown = options.ScalarInputs.Keys.Concat(options.InputColumns.Keys).Where(k => !scorer.InputNames.Contains(k)).ToArray();
            if (unknown.Length > 0)
            {
                throw new ArgumentException($"The model has no input {string.Join(", ", unknown.Select(u => $"'{u}'"))}; its inputs: {string.Join(", ", scorer.InputNames)}.", nameof(options));
            }

            var columns = outputs?.Invoke(scorer) ?? DefaultOutputs(scorer, options);
            var batchScorer = new OnnxBatchScorer(scorer, inputs, scalars, columns, scoring.BatchSize);
            return new OnnxBatchScoringTransformer((byte[])model.Clone(), scorer, batchScorer, replaced);
        }
        catch
        {
            scorer.Dispose();
            throw;
        }
    }

    private static OnnxOutputColumn[] DefaultOutputs(OnnxScorer scorer, OnnxBatchScoringOptions options)
    {
        var names = options.OutputColumns?.ToArray() ?? [.. scorer.OutputNames];
        foreach (var name in names.Concat(options.RenameOutputs.Keys))
        {
            if (!scorer.OutputNames.Contains(name))
            {
                throw new ArgumentException($"The model has no output '{name}'; its outputs: {string.Join(", ", scorer.OutputNames)}.", nameof(options));
            }
        }

        return names.Select(n => OnnxOutputColumn.AsIs(n, options.RenameOutputs.TryGetValue(n, out var r) ? r : n, scorer.OutputElementType(n), scorer.OutputRowShape(n))).ToArray();
    }
}
