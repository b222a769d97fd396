using System.Diagnostics;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Picks the faster of two thread counts by timing training steps: after a warm-up (the just-in-time compiler's
/// tiers), steps alternate between the two candidates until each has been timed a few times, and the one with the
/// lower median step time is kept from then on. Only for choices that do not change results.
/// </summary>
internal sealed class ThreadCountChooser
{
    /// <summary>Steps before timing starts.</summary>
    public const int WarmupSteps = 20;

    /// <summary>Steps timed for each candidate.</summary>
    public const int TimedStepsPerCandidate = 8;

    private readonly int _fewer;
    private readonly int _more;
    private readonly List<long> _fewerTimes = [];
    private readonly List<long> _moreTimes = [];
    private long _steps;
    private long _started;
    private int _current;

    /// <summary>Chooses between <paramref name="fewer"/> and <paramref name="more"/> threads; equal counts need no timing.</summary>
    public ThreadCountChooser(int fewer, int more)
    {
        _fewer = fewer;
        _more = more;
        _current = fewer;
        Chosen = fewer == more ? fewer : null;
    }

    /// <summary>The count kept, once chosen.</summary>
    public int? Chosen { get; private set; }

    /// <summary>The count for the step about to run; call <see cref="EndStep"/> after it.</summary>
    public int BeginStep()
    {
        if (Chosen is int chosen)
        {
            return chosen;
        }

        _current = _steps < WarmupSteps || _steps % 2 == 0 ? _fewer : _more;
        _started = Stopwatch.GetTimestamp();
        return _current;
    }

    /// <summary>Records the step's time (while choosing) and decides once both candidates have been timed enough.</summary>
    public void EndStep()
    {
        if (Chosen is not null)
        {
            return;
        }

        if (_steps >= WarmupSteps)
        {
            (_current == _fewer ? _fewerTimes : _moreTimes).Add(Stopwatch.GetTimestamp() - _started);
        }

        _steps++;
        if (_fewerTimes.Count >= TimedStepsPerCandidate && _moreTimes.Count >= TimedStepsPerCandidate)
        {
            Chosen = Median(_moreTimes) < Median(_fewerTimes) ? _more : _fewer;
        }
    }

    private static long Median(List<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
