namespace MLNetMixture.Cli.Benchmarks;

/// <summary>Cuts a pool of rows into the batches a measurement cycles through.</summary>
internal static class RowBatches
{
    /// <summary>
    /// Consecutive batches of <paramref name="batch"/> rows of the row-major <paramref name="pool"/> (at most
    /// <paramref name="maximumBatches"/> of them, at least one); a pool smaller than one batch is repeated row by row.
    /// </summary>
    public static float[][] Cut(ReadOnlySpan<float> pool, int width, int batch, int maximumBatches = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        int poolRows = pool.Length / width;
        if (poolRows == 0)
        {
            throw new ArgumentException("The pool holds no rows.", nameof(pool));
        }

        int count = Math.Clamp(poolRows / batch, 1, maximumBatches);
        var batches = new float[count][];
        for (int b = 0; b < count; b++)
        {
            var values = new float[batch * width];
            for (int r = 0; r < batch; r++)
            {
                int source = (b * batch + r) % poolRows;
                pool.Slice(source * width, width).CopyTo(values.AsSpan(r * width, width));
            }

            batches[b] = values;
        }

        return batches;
    }
}
