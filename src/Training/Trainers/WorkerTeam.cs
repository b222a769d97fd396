using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Persistent helper threads that run one indexed piece of work each, for the parts of a training step: the caller
/// runs piece 0 and waits for the others. Helpers spin briefly between steps (a training loop calls again within
/// microseconds) and then block, so an idle team costs nothing.
/// </summary>
/// <remarks>Not for concurrent use: one caller at a time (one team per trainer).</remarks>
internal sealed class WorkerTeam : IDisposable
{
    /// <summary>How long a helper spins for the next piece of work before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 us

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly ManualResetEventSlim _done = new(false, 0);
    private Action<int>? _work;
    private int _pending;
    private volatile bool _stopping;
    private bool _disposed;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Creates a team that can run up to <paramref name="size"/> pieces at once (size - 1 helper threads).</summary>
    public WorkerTeam(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        _threads = new Thread[size - 1];
        _wake = new SemaphoreSlim[size - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i + 1;
            _threads[i] = new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"MLNetMixture worker {index}" };
            _threads[i].Start();
        }
    }

    /// <summary>The most pieces one <see cref="Run"/> call can take.</summary>
    public int Size { get; }

    /// <summary>Runs <c>work(0)</c> .. <c>work(pieces - 1)</c> at once, piece 0 on the calling thread, and rethrows the first failure.</summary>
    public void Run(int pieces, Action<int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pieces);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pieces, Size);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pieces == 1)
        {
            work(0);
            return;
        }

        _work = work;
        _failure = null;
        _done.Reset();
        Volatile.Write(ref _pending, pieces - 1);
        for (int i = 0; i < pieces - 1; i++)
        {
            _wake[i].Release();
        }

        try
        {
            work(0);
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);
        }

        long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _pending) > 0)
        {
            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(20);
                continue;
            }

            _done.Wait();
        }

        _work = null;
        _failure?.Throw();
    }

    /// <summary>Stops the helpers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping = true;
        foreach (var wake in _wake)
        {
            wake.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var wake in _wake)
        {
            wake.Dispose();
        }

        _done.Dispose();
    }

    private void HelperLoop(int index)
    {
        var wake = _wake[index - 1];
        while (true)
        {
            // Spin a little for the next step's release, then block on it.
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            bool woken = false;
            while (Stopwatch.GetTimestamp() < spinUntil)
            {
                if (wake.Wait(0))
                {
                    woken = true;
                    break;
                }

                Thread.SpinWait(20);
            }

            if (!woken)
            {
                wake.Wait();
            }

            if (_stopping)
            {
                return;
            }

            try
            {
                _work!(index);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);
            }
            finally
            {
                if (Interlocked.Decrement(ref _pending) == 0)
                {
                    _done.Set();
                }
            }
        }
    }
}
