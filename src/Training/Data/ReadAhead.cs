using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace MLNetMixture.Training.Data;

/// <summary>Enumerates a sequence on a background thread, at most a few items ahead of the consumer.</summary>
internal static class ReadAhead
{
    /// <summary>
    /// The items of <paramref name="items"/>, produced on a thread-pool thread while the caller works on the previous
    /// ones; at most <paramref name="depth"/> wait. An exception of the producer is rethrown to the consumer in order;
    /// stopping early stops the producer and disposes its enumerator.
    /// </summary>
    public static IEnumerable<T> Enumerate<T>(IEnumerable<T> items, int depth)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        return Run(items, depth);
    }

    private static IEnumerable<T> Run<T>(IEnumerable<T> items, int depth)
    {
        using var queue = new BlockingCollection<T>(depth);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var item in items)
                {
                    queue.Add(item, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });

        try
        {
            foreach (var item in queue.GetConsumingEnumerable())
            {
                yield return item;
            }

            producer.Wait();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.Wait();
        }
    }
}
