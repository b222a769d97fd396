namespace MLNetMixture.Cli.Benchmarks;

/// <summary>
/// How <see cref="ThroughputMeter"/> measures a rate: a warm-up (JIT, ONNX Runtime's first-run allocations, the
/// tape's buffers), then <see cref="Rounds"/> timed rounds of back-to-back calls.
/// </summary>
public sealed record MeasurementPlan
{
    /// <summary>The least time of each timed round, in seconds (0: only <see cref="MinimumCallsPerRound"/> calls).</summary>
    public double SecondsPerRound { get; init; } = 1.0;

    /// <summary>The number of timed rounds; the result holds the best and the median round.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The least warm-up time, in seconds.</summary>
    public double WarmupSeconds { get; init; } = 0.3;

    /// <summary>The least number of warm-up calls.</summary>
    public int WarmupCalls { get; init; } = 3;

    /// <summary>The least number of calls in each timed round.</summary>
    public int MinimumCallsPerRound { get; init; } = 2;

    /// <summary>
    /// A plan that spends about <paramref name="seconds"/> on the timed rounds of one measurement, split into
    /// <paramref name="rounds"/> equal rounds, after a warm-up of at most 0.3 s (less when the budget is smaller).
    /// </summary>
    /// <param name="seconds">The measuring time, positive and finite.</param>
    /// <param name="rounds">How many rounds it is split into.</param>
    public static MeasurementPlan ForSeconds(double seconds, int rounds = 3)
    {
        if (!double.IsFinite(seconds) || seconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "The measuring time must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        return new MeasurementPlan { SecondsPerRound = seconds / rounds, Rounds = rounds, WarmupSeconds = Math.Min(0.3, seconds) };
    }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!double.IsFinite(SecondsPerRound) || SecondsPerRound < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SecondsPerRound), SecondsPerRound, "Must be finite and not negative.");
        }

        if (!double.IsFinite(WarmupSeconds) || WarmupSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupSeconds), WarmupSeconds, "Must be finite and not negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rounds);
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupCalls);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinimumCallsPerRound);
    }
}
