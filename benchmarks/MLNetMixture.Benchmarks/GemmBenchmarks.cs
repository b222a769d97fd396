using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Single-precision GEMM throughput on 2 threads at MLP layer sizes. The GFLOP/s columns are 2*M*N*K over the mean
/// time and over the fastest iteration.
/// Shape is the layer's (M,K,N); Product picks the forward NN, the forward NT (as the tape's Linear runs it) or the
/// weight-gradient TN reduction over the batch (dW[N,K] += G[M,N]^T X[M,K], beta = 1). Quick alternative without
/// BenchmarkDotNet: <c>dotnet run -c Release --project benchmarks/MLNetMixture.Benchmarks -- gemm-quick</c>.
/// </summary>
[Config(typeof(GemmBenchmarkConfig))]
public class GemmBenchmarks
{
    private GemmCase? gemm;

    /// <summary>Layer sizes as "MxKxN".</summary>
    public static IEnumerable<string> Shapes => ["512x43x128", "512x128x128", "1024x256x256", "4096x1024x1024"];

    /// <summary>Layer size (M, K, N) written "MxKxN".</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "512x128x128";

    /// <summary>Which of the layer's products: "fwd NN", "fwd NT" or "dW  TN".</summary>
    [Params("fwd NN", "fwd NT", "dW  TN")]
    public string Product { get; set; } = "fwd NN";

    /// <summary>Threads given to the GEMM.</summary>
    [Params(2)]
    public int Threads { get; set; } = 2;

    /// <summary>Allocates the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int[] mkn = Shape.Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        gemm = GemmShapes.LayerCases(mkn[0], mkn[1], mkn[2]).Single(c => c.Label == Product);
    }

    /// <summary>One GEMM call.</summary>
    [Benchmark]
    public void Multiply() => gemm!.Run(Threads);

    /// <summary>Floating-point operations of one call for a (Shape, Product) pair; used by the GFLOP/s column.</summary>
    public static double FlopsOf(string shape, string product)
    {
        int[] mkn = shape.Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return GemmShapes.LayerCases(mkn[0], mkn[1], mkn[2]).Single(c => c.Label == product).Flops;
    }
}
