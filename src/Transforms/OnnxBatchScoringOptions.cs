using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>Settings of <see cref="OnnxBatchScoringEstimator"/>: which columns feed the model, which outputs become columns, and how ONNX Runtime runs.</summary>
public sealed class OnnxBatchScoringOptions
{
    /// <summary>
    /// For each ONNX input that takes one row per batch entry, the column feeding it (a known-size vector of Single
    /// with the input's width). Inputs not listed are fed from the column of the same name. Default: empty.
    /// </summary>
    public IDictionary<string, string> InputColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The value of each scalar (rank-0) float input, such as a sampling temperature. Default: empty.</summary>
    public IDictionary<string, float> ScalarInputs { get; } = new Dictionary<string, float>(StringComparer.Ordinal);

    /// <summary>
    /// The ONNX outputs to add as columns; null (the default) adds every output. A float32 or int64 output of shape
    /// [N] becomes a scalar column, [N, d1, ...] a known-size vector column.
    /// </summary>
    public IList<string>? OutputColumns { get; set; }

    /// <summary>
    /// Column names for outputs, by ONNX output name; outputs not listed keep their ONNX names. Default: empty.
    /// </summary>
    public IDictionary<string, string> RenameOutputs { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The execution provider (CPU, or CUDA with a device id), what happens when CUDA cannot be used
    /// (<see cref="OnnxScoringOptions.FallbackToCpu"/>), rows per ONNX Runtime call (<see cref="OnnxScoringOptions.BatchSize"/>,
    /// also the rows a cursor reads ahead) and threads. Default: the CPU, batches of 1,024 rows.
    /// </summary>
    public OnnxScoringOptions Scoring { get; set; } = new();
}
