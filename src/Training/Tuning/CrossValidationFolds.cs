using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tuning;

/// <summary>Seeded assignments of rows to cross-validation folds.</summary>
public static class CrossValidationFolds
{
    /// <summary>
    /// The rows of each of <paramref name="folds"/> folds, class by class in a seeded random order, so every fold holds
    /// about the same share of each class and the folds differ in size by at most one row.
    /// </summary>
    /// <param name="labels">One label per row.</param>
    /// <param name="folds">At least 2.</param>
    /// <param name="seed">The same seed gives the same folds.</param>
    public static int[][] Stratified(IReadOnlyList<string> labels, int folds, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var random = new RandomSource(seed);
        var result = Enumerable.Range(0, folds).Select(_ => new List<int>()).ToArray();
        int next = 0;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(r => labels[r], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var rows = group.ToArray();
            random.Shuffle(rows.AsSpan());
            foreach (int row in rows)
            {
                result[next].Add(row);
                next = (next + 1) % folds; // continues across classes
            }
        }

        return result.Select(f => f.Order().ToArray()).ToArray();
    }

    /// <summary>The rows 0..<paramref name="rows"/>-1 shuffled with <paramref name="seed"/> and dealt into <paramref name="folds"/> folds.</summary>
    /// <param name="rows">The number of rows.</param>
    /// <param name="folds">At least 2.</param>
    /// <param name="seed">The same seed gives the same folds.</param>
    public static int[][] Random(int rows, int folds, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var order = Enumerable.Range(0, rows).ToArray();
        new RandomSource(seed).Shuffle(order.AsSpan());
        return Enumerable.Range(0, folds).Select(f => order.Where((_, i) => i % folds == f).Order().ToArray()).ToArray();
    }

    /// <summary>The folds a search uses by default: 5 below 10,000 rows, 3 from there (fits are longer, folds larger).</summary>
    /// <param name="rows">The number of training rows.</param>
    public static int DefaultCount(int rows) => rows < 10_000 ? 5 : 3;

    /// <summary>Every row not in fold <paramref name="fold"/>, in order.</summary>
    public static int[] Complement(int[][] folds, int fold) => folds.Where((_, g) => g != fold).SelectMany(r => r).Order().ToArray();
}
