using System.Diagnostics;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// A small team of persistent background threads that run the chunks of one GEMM call alongside the calling thread.
/// </summary>
/// <remarks>
/// <para>
/// Chunks are handed out from one 64-bit ticket (generation, chunk count, next chunk) by compare-and-swap, so each
/// chunk is claimed exactly once, and which thread computes a chunk does not affect its result. The caller claims
/// chunks too and waits only for chunks that were claimed, never for a helper that has not woken up yet: a slow
/// helper costs parallelism, not latency. A call that finds the team busy (another thread's GEMM in flight) computes
/// its chunks on its own thread instead.
/// </para>
/// <para>
/// Waiting: training issues GEMMs back to back with short gaps, and waking a blocked thread costs tens of
/// microseconds (far more on a busy machine), so helpers busy-wait on the ticket for <see cref="SpinMicroseconds"/>
/// after their last work before blocking, as OpenMP runtimes and BLAS thread pools do.
/// </para>
/// </remarks>
internal sealed class GemmThreadTeam
{
    /// <summary>Most chunks one call may have (the ticket holds counts in 16 bits).</summary>
    public const int MaxChunks = 1024;

    /// <summary>How long a thread busy-waits (for new work, or for claimed chunks to finish) before blocking.</summary>
    public const int SpinMicroseconds = 1000;

    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private static GemmThreadTeam? shared;

    private readonly object gate = new();
    private readonly ManualResetEventSlim[] wake;
    private readonly ManualResetEventSlim done = new(false, 0);
    private GemmProblem problem;
    private long ticket;
    private int completedChunks;
    private uint generation;
    private Exception? failure;

    private GemmThreadTeam(int helpers)
    {
        wake = new ManualResetEventSlim[helpers];
        for (int i = 0; i < helpers; i++)
        {
            wake[i] = new ManualResetEventSlim(false, 0);
            int index = i;
            var thread = new Thread(() => HelperLoop(index))
            {
                IsBackground = true,
                Name = $"MLNetMixture GEMM {index + 1}",
            };
            thread.Start();
        }
    }

    /// <summary>The process-wide team: one helper per core beyond the caller's.</summary>
    public static GemmThreadTeam Shared
    {
        get
        {
            if (shared is null)
            {
                Interlocked.CompareExchange(ref shared, new GemmThreadTeam(Math.Max(1, Environment.ProcessorCount - 1)), null);
            }

            return shared;
        }
    }

    /// <summary>Computes every chunk of <paramref name="p"/>, returning when all are done.</summary>
    public void Execute(in GemmProblem p)
    {
        if (p.Chunks > MaxChunks)
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"A GEMM call may have at most {MaxChunks} chunks.");
        }

        if (!Monitor.TryEnter(gate))
        {
            for (int chunk = 0; chunk < p.Chunks; chunk++)
            {
                GemmKernel.RunChunk(in p, chunk);
            }

            return;
        }

        try
        {
            // Publish the problem, then the ticket that makes its chunks claimable, then wake any blocked helper.
            problem = p;
            completedChunks = 0;
            failure = null;
            done.Reset();
            generation++;
            Volatile.Write(ref ticket, ((long)generation << 32) | ((long)p.Chunks << 16));
            int helpers = Math.Min(wake.Length, p.Chunks - 1);
            for (int i = 0; i < helpers; i++)
            {
                wake[i].Set();
            }

            RunClaimedChunks();
            WaitForCompletion(p.Chunks);
            if (failure is not null)
            {
                throw new InvalidOperationException("A GEMM chunk failed.", failure);
            }
        }
        finally
        {
            problem = default;
            Monitor.Exit(gate);
        }
    }

    private void WaitForCompletion(int chunks)
    {
        long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref completedChunks) < chunks)
        {
            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(20);
                continue;
            }

            // The last chunk's finisher sets the event after its increment, so a Set cannot be missed: either the
            // count is already complete when re-checked, or the Set comes after the Reset.
            done.Wait();
            done.Reset();
        }
    }

    /// <summary>Claims and computes chunks of the current call until none is left.</summary>
    private void RunClaimedChunks()
    {
        while (true)
        {
            long seen = Volatile.Read(ref ticket);
            int next = (int)(seen & 0xFFFF), chunks = (int)((seen >> 16) & 0xFFFF);
            if (next >= chunks)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref ticket, seen + 1, seen) != seen)
            {
                continue;
            }

            // A claimed chunk pins its call: the caller cannot finish (and replace the problem) before it completes.
            try
            {
                GemmKernel.RunChunk(in problem, next);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                if (Interlocked.Increment(ref completedChunks) == chunks)
                {
                    done.Set();
                }
            }
        }
    }

    private void HelperLoop(int index)
    {
        var signal = wake[index];
        uint handled = 0;
        while (true)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while ((uint)(Volatile.Read(ref ticket) >> 32) == handled)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(20);
                    continue;
                }

                // Block. Reset, then re-check: a caller publishes the ticket before it sets the event, so work
                // published before the Reset is seen by the re-check and work published after it sets the event.
                signal.Reset();
                if ((uint)(Volatile.Read(ref ticket) >> 32) == handled)
                {
                    signal.Wait();
                }

                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }

            handled = (uint)(Volatile.Read(ref ticket) >> 32);
            RunClaimedChunks();
        }
    }
}
