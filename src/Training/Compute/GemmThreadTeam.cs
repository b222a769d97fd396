namespace MLNetMixture.Training.Compute;

/// <summary>
/// A small team of persistent background threads that run the chunks of one GEMM call alongside the calling thread.
/// </summary>
/// <remarks>
/// Chunks are handed out from one 64-bit ticket (generation, chunk count, next chunk) by compare-and-swap, so each
/// chunk is claimed exactly once, and which thread computes a chunk does not affect its result. The caller claims
/// chunks too and waits only for chunks that were claimed, never for a helper that has not woken up yet: a slow
/// helper costs parallelism, not latency. A call that finds the team busy (another thread's GEMM in flight) computes
/// its chunks on its own thread instead.
/// </remarks>
internal sealed class GemmThreadTeam
{
    /// <summary>Most chunks one call may have (the ticket holds counts in 16 bits).</summary>
    public const int MaxChunks = 1024;

    // Spin briefly before blocking: training issues GEMMs back to back, and a blocked wake-up costs tens of microseconds.
    private const int SpinCount = 200;

    private static GemmThreadTeam? shared;

    private readonly object gate = new();
    private readonly ManualResetEventSlim[] start;
    private readonly ManualResetEventSlim done = new(false, SpinCount);
    private GemmProblem problem;
    private long ticket;
    private int completedChunks;
    private uint generation;
    private Exception? failure;

    private GemmThreadTeam(int helpers)
    {
        start = new ManualResetEventSlim[helpers];
        for (int i = 0; i < helpers; i++)
        {
            start[i] = new ManualResetEventSlim(false, SpinCount);
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
            // Publish the problem, then the ticket that makes its chunks claimable.
            problem = p;
            completedChunks = 0;
            failure = null;
            done.Reset();
            generation++;
            Volatile.Write(ref ticket, ((long)generation << 32) | ((long)p.Chunks << 16));
            int helpers = Math.Min(start.Length, p.Chunks - 1);
            for (int i = 0; i < helpers; i++)
            {
                start[i].Set();
            }

            RunClaimedChunks();
            while (Volatile.Read(ref completedChunks) < p.Chunks)
            {
                done.Wait();
                done.Reset();
            }

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
        var signal = start[index];
        while (true)
        {
            signal.Wait();
            signal.Reset();
            RunClaimedChunks();
        }
    }
}
