using System.Runtime.ExceptionServices;

namespace MLNetMixture.Training.Data;

/// <summary>Enumerates a sequence on a background thread, a bounded amount ahead of the consumer.</summary>
internal static class ReadAhead
{
    /// <summary>
    /// The items of <paramref name="items"/>, produced on a thread of their own while the caller works on the earlier
    /// ones; the producer waits while the items not yet taken weigh <paramref name="budget"/> or more (by
    /// <paramref name="weight"/>, e.g. rows), so memory stays bounded. An exception of the producer reaches the consumer
    /// after the items before it; stopping early stops the producer and disposes its enumerator.
    /// </summary>
    public static IEnumerable<T> Enumerate<T>(IEnumerable<T> items, Func<T, long> weight, long budget)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        return Run(items, weight, budget);
    }

    private static IEnumerable<T> Run<T>(IEnumerable<T> items, Func<T, long> weight, long budget)
    {
        var gate = new object();
        var queue = new Queue<T>();
        long queued = 0;
        bool done = false, stopped = false;
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    foreach (var item in items)
                    {
                        lock (gate)
                        {
                            while (queued >= budget && !stopped)
                            {
                                Monitor.Wait(gate);
                            }

                            if (stopped)
                            {
                                return;
                            }

                            queue.Enqueue(item);
                            queued += weight(item);
                            Monitor.PulseAll(gate);
                        }
                    }
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    lock (gate)
                    {
                        done = true;
                        Monitor.PulseAll(gate);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        try
        {
            while (true)
            {
                T item;
                lock (gate)
                {
                    while (queue.Count == 0 && !done)
                    {
                        Monitor.Wait(gate);
                    }

                    if (queue.Count == 0)
                    {
                        break;
                    }

                    item = queue.Dequeue();
                    queued -= weight(item);
                    Monitor.PulseAll(gate);
                }

                yield return item;
            }

            producer.Wait();
            failure?.Throw();
        }
        finally
        {
            lock (gate)
            {
                stopped = true;
                Monitor.PulseAll(gate);
            }

            producer.Wait();
        }
    }
}
