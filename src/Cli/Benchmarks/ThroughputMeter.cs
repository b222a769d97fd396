using System.Diagnostics;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>Times a call that processes a fixed number of rows, following a <see cref="MeasurementPlan"/>.</summary>
public static class ThroughputMeter
{
    /// <summary>
    /// Rows per second of <paramref name="call"/>, which is invoked with 0, 1, 2, ... (so that it can cycle through
    /// prepared inputs) and processes <paramref name="rowsPerCall"/> rows each time: a warm-up, then the plan's rounds.
    /// </summary>
    /// <param name="call">The work of one call; its argument counts the calls made so far.</param>
    /// <param name="rowsPerCall">Rows (or samples) one call processes.</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    public static Throughput Measure(Action<int> call, int rowsPerCall, MeasurementPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerCall);
        plan.Validate();

        int calls = 0;
        var warmup = Stopwatch.StartNew();
        while (calls < plan.WarmupCalls || warmup.Elapsed.TotalSeconds < plan.WarmupSeconds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            call(calls++);
        }

        var rates = new double[plan.Rounds];
        for (int r = 0; r < plan.Rounds; r++)
        {
            int done = 0;
            var clock = Stopwatch.StartNew();
            while (done < plan.MinimumCallsPerRound || clock.Elapsed.TotalSeconds < plan.SecondsPerRound)
            {
                cancellationToken.ThrowIfCancellationRequested();
                call(calls++);
                done++;
            }

            rates[r] = done * (double)rowsPerCall / clock.Elapsed.TotalSeconds;
        }

        Array.Sort(rates);
        return new Throughput(rates[^1], rates[rates.Length / 2]);
    }
}
