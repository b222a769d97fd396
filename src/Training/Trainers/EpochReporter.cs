namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Hands training progress to a callback on the training thread, as each epoch ends, optionally only every n-th
/// epoch (and always the first and the planned last). Unlike <see cref="Progress{T}"/>, which posts to the thread
/// pool in a console program, lines printed this way come in order and before Fit returns.
/// </summary>
public sealed class EpochReporter : IProgress<TrainingProgress>
{
    private readonly Action<TrainingProgress> _report;

    /// <summary>Creates the reporter.</summary>
    /// <param name="report">Called with each reported epoch.</param>
    /// <param name="every">Report every this many epochs (1 = every epoch).</param>
    public EpochReporter(Action<TrainingProgress> report, int every = 1)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        _report = report;
        Every = every;
    }

    /// <summary>Every how many epochs a report is passed on.</summary>
    public int Every { get; }

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Epoch == 1 || value.Epoch % Every == 0 || value.Epoch == value.Epochs)
        {
            _report(value);
        }
    }
}
