using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// GFLOP/s of a <see cref="GemmBenchmarks"/> case: 2*M*N*K divided by the mean time of one call, or by the fastest
/// iteration's time (more telling on a shared machine, where the mean mostly measures the other load).
/// </summary>
public sealed class GemmGflopsColumn : IColumn
{
    private readonly bool fromMinimum;

    /// <summary>Creates the column; <paramref name="fromMinimum"/> picks the fastest iteration instead of the mean.</summary>
    public GemmGflopsColumn(bool fromMinimum) => this.fromMinimum = fromMinimum;

    /// <inheritdoc/>
    public string Id => nameof(GemmGflopsColumn) + (fromMinimum ? ".Min" : ".Mean");

    /// <inheritdoc/>
    public string ColumnName => fromMinimum ? "GFLOP/s (min time)" : "GFLOP/s";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => fromMinimum ? 1 : 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => fromMinimum
        ? "Throughput at the fastest iteration: 2*M*N*K / minimum time per call, in 1e9 floating-point operations per second"
        : "Throughput: 2*M*N*K / mean time per call, in 1e9 floating-point operations per second";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Shape"] is not string shape
            || benchmarkCase.Parameters["Product"] is not string product)
        {
            return "NA";
        }

        double seconds = (fromMinimum ? stats.Min : stats.Mean) * 1e-9;
        return (GemmBenchmarks.FlopsOf(shape, product) / seconds / 1e9).ToString("0.0", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
