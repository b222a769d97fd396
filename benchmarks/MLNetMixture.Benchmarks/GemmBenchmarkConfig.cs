using BenchmarkDotNet.Configs;

namespace MLNetMixture.Benchmarks;

/// <summary>Default BenchmarkDotNet configuration plus a GFLOP/s column.</summary>
public sealed class GemmBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GemmBenchmarkConfig() => AddColumn(new GemmGflopsColumn());
}
