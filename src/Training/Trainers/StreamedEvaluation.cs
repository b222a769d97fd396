using MLNetMixture.Training.Data;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Evaluates streamed rows in blocks of a fixed size (the last shorter), whatever blocks the source reads, so that a
/// score summed over the blocks is the same for a table in memory and for the same rows in a file.
/// </summary>
internal static class StreamedEvaluation
{
    /// <summary>Rows per evaluated block.</summary>
    public const int BlockRows = 8192;

    /// <summary>Calls <paramref name="evaluate"/> with every block of rows [count, width] and their classes (empty without labels).</summary>
    /// <param name="rows">The rows to evaluate.</param>
    /// <param name="classesOf">Each source block's class indices, or null.</param>
    /// <param name="transform">Applied in place to the features before evaluation (standardisation), or null.</param>
    /// <param name="evaluate">Receives each block.</param>
    public static void ForEachBlock(StreamedRows rows, Func<FeatureTable, int[]>? classesOf, Action<Span<float>>? transform, Action<Tensor, int[]> evaluate)
    {
        int width = rows.Width, filled = 0;
        var features = new float[BlockRows * width];
        var classes = new int[BlockRows];
        foreach (var block in rows.ReadBlocks())
        {
            var blockClasses = classesOf?.Invoke(block);
            transform?.Invoke(block.Features);
            for (int start = 0; start < block.Rows;)
            {
                int take = Math.Min(BlockRows - filled, block.Rows - start);
                block.Features.AsSpan(start * width, take * width).CopyTo(features.AsSpan(filled * width));
                blockClasses?.AsSpan(start, take).CopyTo(classes.AsSpan(filled));
                filled += take;
                start += take;
                if (filled == BlockRows)
                {
                    evaluate(new Tensor(features, BlockRows, width), classes);
                    filled = 0;
                }
            }
        }

        if (filled > 0)
        {
            evaluate(new Tensor(features.AsSpan(0, filled * width).ToArray(), filled, width), classes.AsSpan(0, filled).ToArray());
        }
    }
}
