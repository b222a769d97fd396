using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;
using Exporter = MLNetMixture.Training.Onnx.MixtureDensityFlowOnnxExporter;

namespace MLNetMixture.Training.Tests.Onnx;

public sealed class SingleRowFlowGraphTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void The_one_row_graph_becomes_the_batched_graph_with_its_scores(bool standardized, bool componentOutput)
    {
        // Every flow layer kind (ActNorm, affine and spline coupling, permutations, LU linear, MAF) is in the model.
        var model = PerturbedFlows.Create(4, standardized);
        var single = new Exporter(new MixtureDensityFlowOnnxExportOptions { SingleRow = true, IncludeComponentOutput = componentOutput }).ToBytes(model, PerturbedFlows.FeatureNames);
        var exported = new Exporter(new MixtureDensityFlowOnnxExportOptions { IncludeComponentOutput = componentOutput }).ToBytes(model, PerturbedFlows.FeatureNames);
        var rewritten = SingleRowFlowGraph.Batched(single);
        Assert.NotNull(rewritten);

        const int rows = 40;
        var features = PerturbedFlows.Rows(rows, standardized, new RandomSource(5)).ToArray();
        using var batched = OnnxScorer.Load(rewritten, new OnnxScoringOptions { BatchSize = 16, IntraOpThreads = 1 });
        using var reference = OnnxScorer.Load(exported, new OnnxScoringOptions { IntraOpThreads = 1 });
        Assert.False(batched.SingleRow);
        Assert.Equal(reference.OutputNames, batched.OutputNames);
        Assert.Equal(new long[] { model.Components }, batched.OutputRowShape(Exporter.ComponentPosteriorOutput));
        Assert.Empty(batched.OutputRowShape(Exporter.LogDensityOutput));
        Assert.False(batched.Metadata.ContainsKey(OnnxMetadataKeys.SingleRow));
        Assert.Equal(Exporter.ModelKind, batched.Metadata[OnnxMetadataKeys.ModelKind]);

        var got = batched.Score(features, rows);
        var expected = reference.Score(features, rows);
        Assert.Equal(3, batched.Runs); // 40 rows in batches of 16: the graph takes many rows per call
        foreach (var (name, output) in expected)
        {
            Assert.Equal(output.Shape, got[name].Shape);
            if (output.Floats is { } values)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    Assert.True(MathF.Abs(got[name].Floats![i] - values[i]) <= 1e-5f * MathF.Max(1f, MathF.Abs(values[i])), $"{name}[{i}]: {got[name].Floats![i]} vs {values[i]}");
                }
            }
            else
            {
                Assert.Equal(output.Int64s, got[name].Int64s);
            }
        }
    }

    [Fact]
    public void Other_models_are_left_alone()
    {
        var model = PerturbedFlows.Create(3, standardized: false);
        Assert.Null(SingleRowFlowGraph.Batched(new Exporter(new MixtureDensityFlowOnnxExportOptions()).ToBytes(model, PerturbedFlows.FeatureNames)));
        Assert.Null(SingleRowFlowGraph.Batched([1, 2, 3, 4]));
        Assert.Null(SingleRowFlowGraph.Batched([]));
    }
}
