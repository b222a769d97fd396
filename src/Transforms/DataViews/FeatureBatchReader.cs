using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>Copies the feature columns of the current row of a <see cref="DataViewRow"/> into row-major batch buffers.</summary>
internal sealed class FeatureBatchReader
{
    private readonly ValueGetter<VBuffer<float>>[] _getters;
    private readonly FeatureInput[] _inputs;
    private VBuffer<float> _value;

    public FeatureBatchReader(DataViewRow row, IReadOnlyList<DataViewSchema.Column> columns, IReadOnlyList<FeatureInput> inputs)
    {
        _inputs = [.. inputs];
        _getters = columns.Select(c => row.GetGetter<VBuffer<float>>(c)).ToArray();
    }

    /// <summary>New buffers for <paramref name="rows"/> rows.</summary>
    public float[][] Allocate(int rows) => _inputs.Select(i => new float[rows * i.Width]).ToArray();

    /// <summary>Reads the current row into row <paramref name="index"/> of <paramref name="buffers"/>.</summary>
    public void Read(float[][] buffers, int index)
    {
        for (int i = 0; i < _getters.Length; i++)
        {
            _getters[i](ref _value);
            int width = _inputs[i].Width;
            if (_value.Length != width)
            {
                throw new InvalidOperationException($"Column '{_inputs[i].ColumnName}' gave a vector of {_value.Length} values; {width} were expected.");
            }

            _value.CopyTo(buffers[i].AsSpan(index * width, width));
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of full-size buffers, copied when the batch is partial.</summary>
    public float[][] Trim(float[][] buffers, int rows, int capacity) =>
        rows == capacity ? buffers : buffers.Select((b, i) => b.AsSpan(0, rows * _inputs[i].Width).ToArray()).ToArray();
}
