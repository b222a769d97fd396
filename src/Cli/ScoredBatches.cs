namespace MLNetMixture.Cli;

/// <summary>Streams scored batches whose first one must be seen before writing (the CSV header comes from it).</summary>
internal static class ScoredBatches
{
    /// <summary>
    /// Scores the first batch at once and returns it with the sequence of all scored batches (the first again, then
    /// the rest, scored as the sequence is enumerated). The source must yield at least one batch.
    /// </summary>
    public static (TScored First, IEnumerable<TScored> All) Start<TBatch, TScored>(IEnumerable<TBatch> batches, Func<TBatch, TScored> score)
    {
        var enumerator = batches.GetEnumerator();
        if (!enumerator.MoveNext())
        {
            enumerator.Dispose();
            throw new InvalidOperationException("Expected at least one batch.");
        }

        var first = score(enumerator.Current);
        return (first, All(first, enumerator, score));
    }

    private static IEnumerable<TScored> All<TBatch, TScored>(TScored first, IEnumerator<TBatch> rest, Func<TBatch, TScored> score)
    {
        using (rest)
        {
            yield return first;
            while (rest.MoveNext())
            {
                yield return score(rest.Current);
            }
        }
    }
}
