using System.Globalization;
using MLNetMixture.Cli.Benchmarks;

namespace MLNetMixture.Cli.Commands;

/// <summary>The options every <c>mlmix bench</c> table shares, checked.</summary>
/// <param name="Threads">Thread counts to measure at, 0 resolved to the number of cores, without repeats.</param>
/// <param name="Seconds">Measuring time of each rate, in seconds.</param>
/// <param name="BatchSizes">Rows per call to measure at (empty where the table has no batch sizes).</param>
internal sealed record BenchSettings(IReadOnlyList<int> Threads, double Seconds, IReadOnlyList<int> BatchSizes)
{
    /// <summary>The largest batch size accepted (the flow's activations for it take a few hundred MB).</summary>
    public const int MaximumBatchSize = 65_536;

    /// <summary>The longest measuring time accepted, in seconds.</summary>
    public const double MaximumSeconds = 600;

    /// <summary>The PyTorch reference that <c>--pytorch</c> runs beside ours, or null (no <c>--pytorch</c>).</summary>
    public PyTorchReference? PyTorch { get; init; }

    /// <summary>How each rate is measured: <see cref="Seconds"/> split into 3 rounds after a warm-up; the best round counts.</summary>
    public MeasurementPlan Plan => MeasurementPlan.ForSeconds(Seconds);

    /// <summary>Checks and resolves the option values; a <see cref="UsageException"/> names the bad one.</summary>
    public static BenchSettings Parse(string threads, double seconds, string? batchSizes)
    {
        if (!double.IsFinite(seconds) || seconds <= 0 || seconds > MaximumSeconds)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--seconds must be more than 0 and at most {MaximumSeconds:0}; got {seconds}."));
        }

        var threadCounts = ParseList(
            "--threads",
            threads,
            t => t >= 0,
            "is not a thread count; give 0 (every core), a positive count, or a comma-separated list such as 1,2")
            .Select(t => t == 0 ? Environment.ProcessorCount : t)
            .Distinct()
            .ToArray();
        var sizes = batchSizes is null
            ? []
            : ParseList(
                "--batch-sizes",
                batchSizes,
                b => b is > 0 and <= MaximumBatchSize,
                string.Create(CultureInfo.InvariantCulture, $"is not a batch size from 1 to {MaximumBatchSize:N0}; give comma-separated row counts such as 64,1024,16384"))
                .Distinct()
                .ToArray();
        return new BenchSettings(threadCounts, seconds, sizes);
    }

    private static List<int> ParseList(string option, string text, Func<int, bool> valid, string rule)
    {
        var parts = (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new UsageException($"{option} is empty; give one number or a comma-separated list.");
        }

        var values = new List<int>(parts.Length);
        foreach (string part in parts)
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || !valid(value))
            {
                throw new UsageException($"{option} '{text}': '{part}' {rule}.");
            }

            values.Add(value);
        }

        return values;
    }
}
