namespace MLNetMixture.Cli.Benchmarks;

/// <summary>A measured rate: rows (or samples) per second of the best and of the median timed round.</summary>
/// <param name="Best">The fastest round's rate.</param>
/// <param name="Median">The median round's rate (the upper median for an even number of rounds).</param>
public readonly record struct Throughput(double Best, double Median);
