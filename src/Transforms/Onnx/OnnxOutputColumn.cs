using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Onnx;

/// <summary>How an ONNX output's values become a column.</summary>
internal enum OnnxOutputConversion
{
    /// <summary>As they are: float32 as Single, int64 as Int64; a [N] output is a scalar column, [N, ...] a known-size vector.</summary>
    None,

    /// <summary>An int64 [N] index 0..count-1 becomes the key value index + 1 of a UInt32 key type of that count.</summary>
    IndexToKey,

    /// <summary>An int64 [N] index becomes a UInt32.</summary>
    IndexToUInt32,
}

/// <summary>One column an <see cref="OnnxBatchScorer"/> adds: which ONNX output it comes from, its type and conversion.</summary>
/// <param name="OnnxName">The ONNX output.</param>
/// <param name="Column">The column's name, type and annotations.</param>
/// <param name="Conversion">How the values are converted.</param>
/// <param name="Width">Values per row.</param>
internal sealed record OnnxOutputColumn(string OnnxName, DataViewSchema.DetachedColumn Column, OnnxOutputConversion Conversion, int Width)
{
    /// <summary>The column for an output as it is (<see cref="OnnxOutputConversion.None"/>), named <paramref name="columnName"/>.</summary>
    /// <exception cref="NotSupportedException">The output is not float32 or int64, or has a dimension other than the batch known only at run time.</exception>
    public static OnnxOutputColumn AsIs(string onnxName, string columnName, Type elementType, IReadOnlyList<long> rowShape)
    {
        if (rowShape.Any(d => d <= 0))
        {
            throw new NotSupportedException($"ONNX output '{onnxName}' has shape [N, {string.Join(", ", rowShape)}]: a dimension other than the batch is known only at run time, so its column type cannot be declared. Leave it out of the output columns.");
        }

        PrimitiveDataViewType item = elementType == typeof(float) ? NumberDataViewType.Single
            : elementType == typeof(long) ? NumberDataViewType.Int64
            : throw new NotSupportedException($"ONNX output '{onnxName}' holds {elementType.Name} values; batched scoring supports float32 and int64 outputs. Leave it out of the output columns.");
        int width = (int)rowShape.Aggregate(1L, (a, d) => a * d);
        DataViewType type = rowShape.Count == 0 ? item : new VectorDataViewType(item, rowShape.Select(d => (int)d).ToArray());
        return new OnnxOutputColumn(onnxName, new DataViewSchema.DetachedColumn(columnName, type), OnnxOutputConversion.None, width);
    }
}
