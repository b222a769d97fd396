namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>A plain row-major float64 tensor for the reference implementations (no pooling, no views).</summary>
internal sealed class RefTensor
{
    public RefTensor(int[] shape, double[] data)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        if (n != data.Length)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] needs {n} values; got {data.Length}.");
        }

        Shape = shape;
        Data = data;
    }

    public RefTensor(params int[] shape)
        : this(shape, new double[Count(shape)])
    {
    }

    public int[] Shape { get; }

    public double[] Data { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public static int Count(int[] shape)
    {
        int n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>Row-major strides of a shape.</summary>
    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }

        return s;
    }

    /// <summary>The multi-index of flat position <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }

        return idx;
    }

    /// <summary>The flat position of a multi-index.</summary>
    public static int Ravel(int[] index, int[] shape)
    {
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            flat = (flat * shape[i]) + index[i];
        }

        return flat;
    }

    public RefTensor Copy() => new((int[])Shape.Clone(), (double[])Data.Clone());

    public static string Describe(int[] shape) => $"[{string.Join(", ", shape)}]";
}
