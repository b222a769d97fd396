namespace MLNetMixture.Training.Data;

/// <summary>
/// Rows that can be read any number of times, each time in the same order, one block at a time: an in-memory
/// <see cref="FeatureTable"/>, a CSV file, an ML.NET data view. Streamed training reads its data through this, so that
/// memory holds a few blocks and the shuffle buffer, never the whole data set.
/// </summary>
public interface IFeatureRowSource
{
    /// <summary>The name of the data in error messages (a file path, "the ML.NET training data"...).</summary>
    string Source { get; }

    /// <summary>The feature columns every block has, in order.</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Whether the blocks carry one label per row.</summary>
    bool HasLabels { get; }

    /// <summary>
    /// One pass over the rows, in blocks of consecutive rows (their sizes are the source's business: the row order is
    /// what counts). Every pass gives the same rows in the same order; a block is not reused after the next is asked for.
    /// </summary>
    IEnumerable<FeatureTable> ReadBlocks();
}
