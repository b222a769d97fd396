using MLNetMixture.Training.Onnx;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// Every case of <see cref="ParityCases"/>, at every supported opset: the tape and ONNX Runtime (with and without
/// graph optimizations) agree on values and shapes for several batch sizes through one exported model, and the
/// independent checker accepts every exported model.
/// </summary>
public sealed class OnnxOpParityTests(ITestOutputHelper log)
{
    public static TheoryData<string, int> CasesAndOpsets()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in ParityCases.All.Keys)
        {
            for (int opset = OnnxGraphBuilder.MinimumOpset; opset <= OnnxGraphBuilder.MaximumOpset; opset++)
            {
                data.Add(name, opset);
            }
        }

        return data;
    }

    public static TheoryData<int> Opsets()
    {
        var data = new TheoryData<int>();
        for (int opset = OnnxGraphBuilder.MinimumOpset; opset <= OnnxGraphBuilder.MaximumOpset; opset++)
        {
            data.Add(opset);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndOpsets))]
    public void Onnx_runtime_matches_the_tape(string caseName, int opset)
    {
        var parityCase = ParityCases.Get(caseName);
        var (builder, output, model) = ParityRunner.Export(parityCase, opset);
        using var optimized = ParityRunner.OpenSession(model, optimize: true);
        using var plain = ParityRunner.OpenSession(model, optimize: false);
        foreach (int batch in ParityRunner.BatchSizes)
        {
            var inputs = ParityRunner.MakeInputs(parityCase, batch);
            var (expected, expectedShape) = ParityRunner.RunTape(parityCase, inputs);

            // The builder's static shape agrees with the tape wherever it claims to know a dimension.
            var staticShape = builder.Shape(output);
            Assert.Equal(expectedShape.Length, staticShape.Length);
            for (int d = 0; d < staticShape.Length; d++)
            {
                Assert.True(staticShape[d] == -1 || staticShape[d] == expectedShape[d], $"N={batch}: static shape [{string.Join(", ", staticShape)}] vs tape [{string.Join(", ", expectedShape)}]");
            }

            foreach (var (session, label) in new[] { (optimized, "optimized"), (plain, "unoptimized") })
            {
                var (actual, actualShape) = ParityRunner.RunOnnx<float>(session, inputs);
                Assert.Equal(expectedShape.Select(d => (long)d).ToArray(), actualShape);
                var mismatch = ParityRunner.Compare(expected, actual, parityCase.Tolerance);
                Assert.True(mismatch is null, $"{caseName}, opset {opset}, N={batch}, {label}: {mismatch}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Opsets))]
    public void Independent_checker_accepts_every_exported_model(int opset)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mlnetmixture-onnx-parity-{opset}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var paths = new List<string>();
            foreach (var parityCase in ParityCases.All.Values)
            {
                var (_, _, model) = ParityRunner.Export(parityCase, opset);
                string path = Path.Combine(folder, parityCase.Name + ".onnx");
                File.WriteAllBytes(path, model);
                paths.Add(path);
            }

            log.WriteLine(OnnxChecker.AssertValid([.. paths]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Catalogue_covers_every_compute_graph_operation()
    {
        // Record which IComputeGraph methods the catalogue calls by running every case through a recording proxy.
        var builder = new OnnxGraphBuilder();
        var (graph, called) = CallRecorder.Wrap(builder);
        foreach (var parityCase in ParityCases.All.Values)
        {
            var inputs = parityCase.InputShapes.Select((s, i) => builder.AddInput($"{parityCase.Name}_{i}", s)).ToArray();
            parityCase.Body(graph, inputs);
        }

        var missing = typeof(MLNetMixture.Training.Autodiff.IComputeGraph).GetMethods()
            .Select(m => m.Name)
            .Where(name => name != nameof(MLNetMixture.Training.Autodiff.IComputeGraph.Shape) && !called.Contains(name))
            .ToList();
        Assert.True(missing.Count == 0, "Not covered: " + string.Join(", ", missing));
    }
}
