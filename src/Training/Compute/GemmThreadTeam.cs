namespace MLNetMixture.Training.Compute;

/// <summary>
/// A small team of persistent background threads that run the chunks of one GEMM call alongside the calling thread.
/// Chunks are claimed from a shared counter; which thread computes a chunk does not affect its result. A call that
/// finds the team busy (another thread's GEMM in flight) computes its chunks on its own thread instead.
/// </summary>
internal sealed class GemmThreadTeam
{
    // Spin briefly before blocking: training issues GEMMs back to back, and a blocked wake-up costs tens of microseconds.
    private const int SpinCount = 200;

    private static GemmThreadTeam? shared;

    private readonly object gate = new();
    private readonly ManualResetEventSlim[] start;
    private readonly ManualResetEventSlim done = new(false, SpinCount);
    private GemmProblem problem;
    private int nextChunk;
    private int outstandingHelpers;
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
        if (!Monitor.TryEnter(gate))
        {
            RunAllChunks(in p);
            return;
        }

        try
        {
            problem = p;
            nextChunk = 0;
            failure = null;
            int helpers = Math.Min(start.Length, p.Chunks - 1);
            outstandingHelpers = helpers;
            done.Reset();
            for (int i = 0; i < helpers; i++)
            {
                start[i].Set();
            }

            try
            {
                ClaimChunks();
            }
            catch (Exception ex)
            {
                // Still wait below: helpers may be using the problem's buffers.
                failure = ex;
            }

            if (helpers > 0)
            {
                done.Wait();
            }

            if (failure is not null)
            {
                throw new InvalidOperationException("A GEMM worker failed.", failure);
            }
        }
        finally
        {
            problem = default;
            Monitor.Exit(gate);
        }
    }

    private static void RunAllChunks(in GemmProblem p)
    {
        for (int chunk = 0; chunk < p.Chunks; chunk++)
        {
            GemmKernel.RunChunk(in p, chunk);
        }
    }

    private void ClaimChunks()
    {
        int chunks = problem.Chunks;
        int chunk;
        while ((chunk = Interlocked.Increment(ref nextChunk) - 1) < chunks)
        {
            GemmKernel.RunChunk(in problem, chunk);
        }
    }

    private void HelperLoop(int index)
    {
        var signal = start[index];
        while (true)
        {
            signal.Wait();
            signal.Reset();
            try
            {
                ClaimChunks();
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (Interlocked.Decrement(ref outstandingHelpers) == 0)
            {
                done.Set();
            }
        }
    }
}
