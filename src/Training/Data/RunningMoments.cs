namespace MLNetMixture.Training.Data;

/// <summary>Per-column mean and population standard deviation of rows seen one at a time (Welford, float64), in one pass.</summary>
internal sealed class RunningMoments
{
    private readonly double[] _mean;
    private readonly double[] _squares;

    /// <summary>Creates the accumulator for rows of <paramref name="width"/> values.</summary>
    public RunningMoments(int width)
    {
        _mean = new double[width];
        _squares = new double[width];
    }

    /// <summary>Rows added.</summary>
    public long Count { get; private set; }

    /// <summary>The column means.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Adds one row.</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        Count++;
        double inverse = 1.0 / Count;
        for (int j = 0; j < _mean.Length; j++)
        {
            double delta = row[j] - _mean[j];
            _mean[j] += delta * inverse;
            _squares[j] += delta * (row[j] - _mean[j]);
        }
    }

    /// <summary>The population standard deviation of every column.</summary>
    public double[] StandardDeviations() => [.. _squares.Select(s => Math.Sqrt(s / Math.Max(Count, 1)))];
}
