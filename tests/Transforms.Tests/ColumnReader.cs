using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>Reads whole columns of a data view into arrays.</summary>
internal static class ColumnReader
{
    public static T[] Scalars<T>(IDataView view, string name)
    {
        var column = view.Schema[name];
        var values = new List<T>();
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<T>(column);
        while (cursor.MoveNext())
        {
            T value = default!;
            getter(ref value);
            values.Add(value);
        }

        return [.. values];
    }

    public static float[][] Vectors(IDataView view, string name)
    {
        var column = view.Schema[name];
        var values = new List<float[]>();
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value.DenseValues().ToArray());
        }

        return [.. values];
    }

    public static float MaxAbsDifference(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int r = 0; r < a.Length; r++)
        {
            Assert.Equal(a[r].Length, b[r].Length);
            for (int i = 0; i < a[r].Length; i++)
            {
                max = Math.Max(max, Math.Abs(a[r][i] - b[r][i]));
            }
        }

        return max;
    }
}
