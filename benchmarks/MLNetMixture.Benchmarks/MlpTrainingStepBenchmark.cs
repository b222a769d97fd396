using BenchmarkDotNet.Attributes;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Forward + backward + Adam step of a 43-128-128-43 ReLU MLP on a batch of 512 (squared error). Each
/// invocation is one step counted as 512 operations, so the reported mean is the time per sample and
/// samples/s = 1 / mean. Compare with benchmarks/reference/mlp_step_torch.py.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(5)]
[IterationCount(15)]
public class MlpTrainingStepBenchmark
{
    private const int Batch = 512;
    private MlpTrainingHarness _harness = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new MlpTrainingHarness(Threads, Batch, Batch);
        _harness.Step();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float TrainStep() => _harness.Step();
}
