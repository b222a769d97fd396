using Microsoft.ML;
using MLNetMixture.Transforms.DataViews;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Onnx;

/// <summary>Scores batches of rows with an <see cref="OnnxScorer"/>: one ONNX Runtime session, one Run per batch.</summary>
internal sealed class OnnxBatchScorer : BatchScorer
{
    private readonly OnnxScorer _scorer;
    private readonly FeatureInput[] _inputs;
    private readonly string[] _onnxInputs;
    private readonly Dictionary<string, float[]> _scalars;
    private readonly OnnxOutputColumn[] _outputs;
    private readonly DataViewSchema.DetachedColumn[] _columns;
    private readonly string[] _outputNames;

    /// <summary>Creates the scorer.</summary>
    /// <param name="scorer">The session; not disposed here.</param>
    /// <param name="inputs">For each non-scalar ONNX input, its name and the column feeding it.</param>
    /// <param name="scalars">The value of each scalar ONNX input.</param>
    /// <param name="outputs">The columns to add.</param>
    /// <param name="batchSize">Rows per ONNX Runtime call.</param>
    public OnnxBatchScorer(OnnxScorer scorer, IReadOnlyList<(string OnnxName, FeatureInput Column)> inputs, IReadOnlyDictionary<string, float> scalars, IReadOnlyList<OnnxOutputColumn> outputs, int batchSize)
    {
        _scorer = scorer;
        _inputs = inputs.Select(i => i.Column).ToArray();
        _onnxInputs = inputs.Select(i => i.OnnxName).ToArray();
        _scalars = scalars.ToDictionary(p => p.Key, p => new[] { p.Value }, StringComparer.Ordinal);
        _outputs = [.. outputs];
        _columns = _outputs.Select(o => o.Column).ToArray();
        _outputNames = _outputs.Select(o => o.OnnxName).Distinct(StringComparer.Ordinal).ToArray();
        BatchSize = batchSize;
    }

    /// <inheritdoc />
    public override IReadOnlyList<FeatureInput> Inputs => _inputs;

    /// <inheritdoc />
    public override IReadOnlyList<DataViewSchema.DetachedColumn> Outputs => _columns;

    /// <inheritdoc />
    public override int BatchSize { get; }

    /// <inheritdoc />
    public override BatchColumn[] Score(float[][] inputs, int rows)
    {
        var feed = new Dictionary<string, float[]>(_scalars, StringComparer.Ordinal);
        for (int i = 0; i < _onnxInputs.Length; i++)
        {
            feed[_onnxInputs[i]] = inputs[i];
        }

        var results = _scorer.Score(feed, rows, _outputNames);
        return _outputs.Select(o => Convert(o, results[o.OnnxName], rows)).ToArray();
    }

    private static BatchColumn Convert(OnnxOutputColumn output, OnnxOutput values, int rows)
    {
        switch (output.Conversion)
        {
            case OnnxOutputConversion.None when values.Floats is { } floats:
                return output.Column.Type is Microsoft.ML.Data.VectorDataViewType ? BatchColumn.Vectors(floats, output.Width) : BatchColumn.Scalars(floats);
            case OnnxOutputConversion.None when values.Int64s is { } longs:
                return output.Column.Type is Microsoft.ML.Data.VectorDataViewType ? BatchColumn.Vectors(longs, output.Width) : BatchColumn.Scalars(longs);
            case OnnxOutputConversion.IndexToKey or OnnxOutputConversion.IndexToUInt32 when values.Int64s is { } indices:
                {
                    ulong count = output.Column.Type is Microsoft.ML.Data.KeyDataViewType key ? key.Count : uint.MaxValue;
                    uint offset = output.Conversion == OnnxOutputConversion.IndexToKey ? 1u : 0u;
                    var converted = new uint[rows];
                    for (int r = 0; r < rows; r++)
                    {
                        long index = indices[r];
                        converted[r] = index >= 0 && (ulong)index < count ? (uint)index + offset : 0u;
                    }

                    return BatchColumn.Scalars(converted);
                }

            default:
                throw new InvalidOperationException($"ONNX output '{output.OnnxName}' did not give the values column '{output.Column.Name}' needs.");
        }
    }
}
