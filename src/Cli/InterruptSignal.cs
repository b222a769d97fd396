namespace MLNetMixture.Cli;

/// <summary>
/// What Ctrl+C does: the first press asks the running command to stop after its current step (training then keeps
/// the best parameters so far); a second press ends the process at once. <see cref="Program.Main"/> wires it to
/// <see cref="Console.CancelKeyPress"/>; tests call <see cref="Request"/> themselves to take the same path.
/// </summary>
public sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    /// <summary>Cancelled by the first <see cref="Request"/>.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Handles one press of Ctrl+C.</summary>
    /// <returns>True for the first press (keep the process running while the command stops cleanly); false for a later one (let it end).</returns>
    public bool Request()
    {
        if (_source.IsCancellationRequested)
        {
            return false;
        }

        _source.Cancel();
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _source.Dispose();
}
