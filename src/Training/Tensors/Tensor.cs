using System.Runtime.CompilerServices;

namespace MLNetMixture.Training.Tensors;

/// <summary>
/// A contiguous, row-major float32 tensor of rank 0 to 4. The backing array may be longer than
/// <see cref="Length"/> when it comes from a pool; <see cref="Span"/> always covers exactly the elements.
/// </summary>
public sealed class Tensor
{
    /// <summary>The largest rank a tensor may have.</summary>
    public const int MaxRank = 4;

    private int[] _shape;

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    /// <param name="shape">The dimensions, outermost first; every dimension must be non-negative.</param>
    public Tensor(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        _shape = (int[])shape.Clone();
        Length = CheckedLength(_shape);
        Data = Length == 0 ? [] : new float[Length];
    }

    /// <summary>Wraps an existing array (no copy). The array must hold at least the shape's element count.</summary>
    /// <param name="data">The backing storage, row-major.</param>
    /// <param name="shape">The dimensions, outermost first.</param>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        _shape = (int[])shape.Clone();
        Length = CheckedLength(_shape);
        if (data.Length < Length)
        {
            throw new ArgumentException($"The array holds {data.Length} values but shape [{string.Join(", ", shape)}] needs {Length}.", nameof(data));
        }

        Data = data;
    }

    /// <summary>The backing array; only the first <see cref="Length"/> values belong to the tensor.</summary>
    public float[] Data { get; private set; }

    /// <summary>The number of elements.</summary>
    public int Length { get; private set; }

    /// <summary>The dimensions, outermost first. Do not modify the returned array.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => Data.AsSpan(0, Length);

    /// <summary>The size of the first dimension (1 for a scalar).</summary>
    public int Rows => _shape.Length == 0 ? 1 : _shape[0];

    /// <summary>The number of elements per row: the product of all dimensions after the first.</summary>
    public int RowLength => _shape.Length == 0 ? 1 : (_shape[0] == 0 ? 0 : Length / _shape[0]);

    /// <summary>Gets or sets an element of a rank-2 tensor.</summary>
    public float this[int row, int column]
    {
        get => Data[Index2(row, column)];
        set => Data[Index2(row, column)] = value;
    }

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[NormalizeAxis(axis, Rank)];

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>A rank-0 tensor holding one value.</summary>
    public static Tensor Scalar(float value) => new([value]);

    /// <summary>A tensor that copies <paramref name="values"/> into the given shape.</summary>
    public static Tensor FromValues(ReadOnlySpan<float> values, params int[] shape)
    {
        var t = new Tensor(shape);
        if (values.Length != t.Length)
        {
            throw new ArgumentException($"Expected {t.Length} values for shape [{string.Join(", ", shape)}], found {values.Length}.", nameof(values));
        }

        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>A rank-2 tensor copied from a rectangular array.</summary>
    public static Tensor FromMatrix(float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int r = values.GetLength(0), c = values.GetLength(1);
        var t = new Tensor(r, c);
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < c; j++)
            {
                t.Data[(i * c) + j] = values[i, j];
            }
        }

        return t;
    }

    /// <summary>A deep copy with an exact-length backing array.</summary>
    public Tensor Clone()
    {
        var t = new Tensor(_shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies the values of <paramref name="source"/>, which must have the same element count.</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length != Length)
        {
            throw new ArgumentException($"Cannot copy {source.Length} values into a tensor of {Length}.", nameof(source));
        }

        source.Span.CopyTo(Span);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Span.Clear();

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public void Fill(float value) => Span.Fill(value);

    /// <summary>Returns a new tensor sharing this one's storage with a different shape of the same element count.</summary>
    public Tensor View(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (CheckedLength(shape) != Length)
        {
            throw new ArgumentException($"Cannot view [{string.Join(", ", _shape)}] as [{string.Join(", ", shape)}]: element counts differ.", nameof(shape));
        }

        return new Tensor(Data, shape);
    }

    /// <summary>The elements as a new exact-length array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Row <paramref name="row"/> of the tensor viewed as [Rows, RowLength].</summary>
    public Span<float> RowSpan(int row) => Data.AsSpan(row * RowLength, RowLength);

    /// <inheritdoc />
    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";

    internal void Reshape(int[] shape, int length, float[] data)
    {
        _shape = shape;
        Length = length;
        Data = data;
    }

    internal static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a tensor of rank {rank}.");
        }

        return a;
    }

    internal static int CheckedLength(ReadOnlySpan<int> shape)
    {
        if (shape.Length > MaxRank)
        {
            throw new ArgumentException($"Tensors have at most {MaxRank} dimensions; got {shape.Length}.", nameof(shape));
        }

        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension {d} in shape [{string.Join(", ", shape.ToArray())}].", nameof(shape));
            }

            n *= d;
            if (n > Array.MaxLength)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has too many elements.", nameof(shape));
            }
        }

        return (int)n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index2(int row, int column)
    {
        if (_shape.Length != 2)
        {
            throw new InvalidOperationException($"Two-index access needs a rank-2 tensor; this one has rank {_shape.Length}.");
        }

        if ((uint)row >= (uint)_shape[0] || (uint)column >= (uint)_shape[1])
        {
            throw new IndexOutOfRangeException($"[{row}, {column}] is outside [{_shape[0]}, {_shape[1]}].");
        }

        return (row * _shape[1]) + column;
    }
}
