using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace MLNetMixture.Benchmarks;

/// <summary>Default BenchmarkDotNet configuration plus the minimum time and GFLOP/s columns (from the mean and from the minimum).</summary>
public sealed class GemmBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GemmBenchmarkConfig() => AddColumn(StatisticColumn.Min, new GemmGflopsColumn(fromMinimum: false), new GemmGflopsColumn(fromMinimum: true));
}
