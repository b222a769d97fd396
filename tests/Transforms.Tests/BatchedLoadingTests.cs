using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests;

/// <summary>
/// <c>mlContext.LoadBatched</c>: a saved mixture-of-experts pipeline and a saved flow pipeline load with their ONNX
/// steps scored in batches, on the device the loading context or the caller names, with a clean CPU fallback.
/// </summary>
public sealed class BatchedLoadingTests(LetterModels letter, FittedFlow flow) : IClassFixture<LetterModels>, IClassFixture<FittedFlow>, IDisposable
{
    private const float Tolerance = 1e-5f;
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-batched-").FullName;

    private static bool CpuPackage => !OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Saved_moe_pipeline_loaded_with_a_gpu_context_scores_as_before_saving()
    {
        string path = SaveMixtureOfExperts();
        var gpu = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var before = letter.Model.Transform(letter.Test);

        var warnings = new List<string>();
        using var batched = gpu.LoadBatched(path, out var inputSchema, gpu.GetOnnxScoringOptions() with { Warning = warnings.Add });
        Assert.Equal(letter.Train.Schema.Count, inputSchema.Count);
        AssertSameMixtureOfExpertsScores(before, batched.Transform(LetterData.MLNetTest(gpu)));
        bool cuda = CudaAvailability.Problem(0) is null;
        Assert.Equal(cuda ? "CUDAExecutionProvider" : "CPUExecutionProvider", batched.ActiveProvider);
        Assert.Equal(cuda ? 0 : 1, warnings.Count);

        // ML.NET's own loader, with the same context.
        var mlnet = LoadWithMLNet(gpu, path);
        if (mlnet is not null)
        {
            AssertSameMixtureOfExpertsScores(before, mlnet.Transform(LetterData.MLNetTest(gpu)));
        }
    }

    [Fact]
    public void Saved_flow_pipeline_loaded_with_a_gpu_context_scores_as_before_saving()
    {
        string path = SaveFlow();
        var gpu = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
        var chain = flow.Flow.OnnxTransformerChain.Transform(flow.Context.Transforms.Concatenate("Features", "x", "y").Fit(test).Transform(test));

        using var batched = gpu.LoadBatched(path, out _, gpu.GetOnnxScoringOptions() with { Warning = _ => { } });
        var after = batched.Transform(gpu.Data.LoadFromEnumerable(flow.Test));
        AssertSameFlowScores(chain, after);
        Assert.Equal(NumberDataViewType.Single, after.Schema["LogDensity"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 8), after.Schema["ComponentPosterior"].Type);

        var mlnet = LoadWithMLNet(gpu, path);
        if (mlnet is not null)
        {
            AssertSameFlowScores(chain, mlnet.Transform(gpu.Data.LoadFromEnumerable(flow.Test)));
        }
    }

    [Fact]
    public void Batched_model_has_the_columns_and_types_of_mlnets_loaded_model()
    {
        string moe = SaveMixtureOfExperts(), density = SaveFlow();
        var ml = new MLContext();
        using var batchedMoe = ml.LoadBatched(moe, out var moeSchema);
        using var batchedFlow = ml.LoadBatched(density, out var flowSchema);
        foreach (var (batched, path, schema) in new[] { (batchedMoe, moe, moeSchema), (batchedFlow, density, flowSchema) })
        {
            var expected = ml.Model.Load(path, out _).GetOutputSchema(schema);
            var actual = batched.GetOutputSchema(schema);
            Assert.Equal(expected.Select(c => (c.Name, c.Type, c.IsHidden)), actual.Select(c => (c.Name, c.Type, c.IsHidden)));
            Assert.Single(batched.OnnxSteps);
            Assert.Equal("CPUExecutionProvider", batched.ActiveProvider);
            Assert.Null(batched.FallbackReason);
        }

        // ML.NET types every ONNX output as a vector; the replacement keeps those types for the steps after it.
        var step = batchedMoe.OnnxSteps[0].GetOutputSchema(Flatten(batchedMoe.Model).TakeWhile(t => t is not OnnxBatchScoringTransformer).Aggregate(moeSchema, (s, t) => t.GetOutputSchema(s)));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Int64, 1), step["PredictedLabel"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1, LetterData.Classes), step["Score"].Type);
    }

    [Fact]
    public void Fallback_warns_once_and_reports_what_is_missing_and_no_fallback_throws_naming_it()
    {
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        string moe = SaveMixtureOfExperts(), density = SaveFlow();
        var fallback = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var warnings = new List<string>();
        using (var batched = fallback.LoadBatched(moe, out _, fallback.GetOnnxScoringOptions() with { Warning = warnings.Add }))
        {
            Assert.Equal("CPUExecutionProvider", batched.ActiveProvider);
            Assert.Equal(problem, batched.FallbackReason);
            Assert.True(problem.Contains("CPU package", StringComparison.Ordinal) || problem.Contains("cannot be loaded", StringComparison.Ordinal) || problem.Contains("driver", StringComparison.Ordinal), problem);
            Assert.Equal($"warning: CUDA requested for the ONNX steps of model '{moe}' but unavailable: {problem} Scoring on the CPU instead.", Assert.Single(warnings));
        }

        // Two pipelines' ONNX steps in one model still warn once.
        string both = Path.Combine(_folder, "both.zip");
        var combined = new TransformerChain<ITransformer>([.. (IEnumerable<ITransformer>)letter.Model, TwiceFeatures(letter.Context)]);
        letter.Context.Model.Save(combined, letter.Train.Schema, both);
        warnings.Clear();
        using (var batched = fallback.LoadBatched(both, out _, fallback.GetOnnxScoringOptions() with { Warning = warnings.Add }))
        {
            Assert.Equal(2, batched.OnnxSteps.Count);
            Assert.Single(warnings);
        }

        // Without options the context decides: the flow falls back too (its warning goes to standard error).
        using (var batched = fallback.LoadBatched(density, out _))
        {
            Assert.Equal(problem, batched.FallbackReason);
        }

        var strict = new MLContext { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => strict.LoadBatched(moe, out _));
        Assert.Equal($"CUDA device 0 cannot be used: {problem} (Set FallbackToCpu to run on the CPU instead.)", e.Message);
        Assert.Throws<ExecutionProviderUnavailableException>(() => strict.LoadBatched(density, out _));
    }

    [Fact]
    public void The_device_given_at_load_overrides_the_contexts()
    {
        string moe = SaveMixtureOfExperts();
        var strictGpu = new MLContext { GpuDeviceId = 0, FallbackToCpu = false };
        var warnings = new List<string>();
        using (var cpu = strictGpu.LoadBatched(moe, out _, new OnnxScoringOptions { Warning = warnings.Add }))
        {
            Assert.Equal("CPUExecutionProvider", cpu.ActiveProvider);
            Assert.Null(cpu.FallbackReason);
            Assert.Empty(warnings);
        }

        if (CudaAvailability.Problem(3) is { } problem)
        {
            var e = Assert.Throws<ExecutionProviderUnavailableException>(() => new MLContext().LoadBatched(moe, out _, new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, DeviceId = 3, FallbackToCpu = false }));
            Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        }

        var options = strictGpu.GetOnnxScoringOptions();
        Assert.Equal(OnnxExecutionDevice.Cuda, options.Device);
        Assert.Equal(0, options.DeviceId);
        Assert.False(options.FallbackToCpu);
        Assert.Equal(OnnxExecutionDevice.Cpu, new MLContext().GetOnnxScoringOptions().Device);
    }

    [Fact]
    public void Loaded_models_score_many_rows_per_onnx_runtime_call()
    {
        var ml = new MLContext();
        using var moe = ml.LoadBatched(SaveMixtureOfExperts(), out _, new OnnxScoringOptions { BatchSize = 256 });
        var scored = moe.Transform(LetterData.MLNetTest(ml));
        int rows = ColumnReader.Scalars<uint>(scored, "PredictedLabel").Length;
        var scorer = moe.OnnxSteps[0].Scorer;
        Assert.Equal(4000, rows);
        Assert.Equal(16, scorer.Runs); // 4,000 rows in batches of 256 (ML.NET's own transformer: 4,000 runs)
        Assert.Equal(rows, scorer.RowsRun);

        using var density = ml.LoadBatched(SaveFlow(), out _, new OnnxScoringOptions { BatchSize = 256 });
        Assert.False(density.OnnxSteps[0].Scorer.SingleRow); // the flow's one-row graph was turned back into its batched graph
        ColumnReader.Scalars<float>(density.Transform(ml.Data.LoadFromEnumerable(flow.Test)), "LogDensity");
        Assert.Equal(4, density.OnnxSteps[0].Scorer.Runs); // 1,000 rows
        Assert.Equal(flow.Test.Count, density.OnnxSteps[0].Scorer.RowsRun);
    }

    [Fact]
    public void Onnx_models_are_matched_to_their_transformers_by_place_in_nested_chains()
    {
        // The mixture of experts' ONNX step is at TransformerChain/Transform_003/Transform_000, the added one at
        // TransformerChain/Transform_005: swapped models would not give these columns.
        var combined = new TransformerChain<ITransformer>([.. (IEnumerable<ITransformer>)letter.Model, TwiceFeatures(letter.Context)]);
        string path = Path.Combine(_folder, "nested.zip");
        letter.Context.Model.Save(combined, letter.Train.Schema, path);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["TransformerChain/Transform_003/Transform_000/OnnxModel", "TransformerChain/Transform_005/OnnxModel"], zip.Entries.Select(e => e.FullName).Where(n => n.EndsWith("/OnnxModel", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }

        var ml = new MLContext();
        using var batched = ml.LoadBatched(path, out _);
        Assert.Equal(2, batched.OnnxSteps.Count);
        Assert.Equal(["Score", "PredictedLabel", "GateProbabilities", "Expert"], batched.OnnxSteps[0].OutputColumnNames);
        Assert.Equal(["Twice"], batched.OnnxSteps[1].OutputColumnNames);
        var after = batched.Transform(LetterData.MLNetTest(ml));
        var before = combined.Transform(letter.Test);
        AssertSameMixtureOfExpertsScores(before, after);
        Assert.Equal(ColumnReader.Vectors(before, "Twice"), ColumnReader.Vectors(after, "Twice"));
        var features = ColumnReader.Vectors(after, "Features");
        Assert.Equal(features.Select(f => f.Select(v => 2f * v).ToArray()), ColumnReader.Vectors(after, "Twice"));
    }

    [Fact]
    public void A_loaded_model_saves_again_as_it_was_and_serves_prediction_engines()
    {
        var ml = new MLContext();
        string path = SaveMixtureOfExperts();
        using var batched = ml.LoadBatched(path, out var schema);
        var again = new MemoryStream();
        ml.Model.Save(batched, schema, again);
        again.Position = 0;
        var reloaded = new MLContext().Model.Load(again, out _);
        Assert.Contains(Flatten(reloaded), t => t is OnnxTransformer);
        var before = letter.Model.Transform(letter.Test);
        AssertSameMixtureOfExpertsScores(before, reloaded.Transform(LetterData.MLNetTest(ml)));

        // A stream that cannot seek is copied first.
        again.Position = 0;
        using var fromStream = ml.LoadBatched(new NonSeekableStream(again), out _);
        AssertSameMixtureOfExpertsScores(before, fromStream.Transform(LetterData.MLNetTest(ml)));

        var engine = ml.Model.CreatePredictionEngine<LetterRow, LetterPrediction>(batched);
        var scores = ColumnReader.Vectors(before, "Score");
        var test = LetterData.OurTest();
        for (int r = 0; r < 10; r++)
        {
            var prediction = engine.Predict(LetterRow.FromValues(test.Row(r), float.Parse(test.Labels![r], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.All(scores[r].Zip(prediction.Score), p => Assert.Equal(p.First, p.Second, 5));
        }
    }

    [Fact]
    public void A_file_that_is_not_a_model_zip_or_holds_a_mis_framed_onnx_model_fails_clearly()
    {
        var ml = new MLContext();
        string junk = Path.Combine(_folder, "junk.zip");
        File.WriteAllText(junk, "not a zip");
        var e = Assert.Throws<InvalidDataException>(() => ml.LoadBatched(junk, out _));
        Assert.Contains($"model '{junk}' is not an ML.NET model zip", e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => ml.LoadBatched(Path.Combine(_folder, "missing.zip"), out _));

        // An OnnxModel entry without ML.NET 6's length prefix.
        string path = SaveMixtureOfExperts();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(x => x.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal));
            string name = entry.FullName;
            using var content = new MemoryStream();
            using (var s = entry.Open())
            {
                s.CopyTo(content);
            }

            entry.Delete();
            using var w = zip.CreateEntry(name).Open();
            w.Write(content.ToArray().AsSpan(4));
        }

        e = Assert.Throws<InvalidDataException>(() => ml.LoadBatched(path, out _));
        Assert.Contains("TransformerChain/Transform_003/Transform_000/OnnxModel", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not start with the 4-byte length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_machine_scores_the_loaded_model_on_the_gpu()
    {
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is not null, $"needs a usable CUDA device 0 and the Gpu package (-p:OnnxRuntimeGpu=true): {problem}");

        var gpu = new MLContext { GpuDeviceId = 0, FallbackToCpu = false };
        using var batched = gpu.LoadBatched(SaveMixtureOfExperts(), out _);
        Assert.Equal("CUDAExecutionProvider", batched.ActiveProvider);
        Assert.Null(batched.FallbackReason);
        var before = letter.Model.Transform(letter.Test);
        var after = batched.Transform(LetterData.MLNetTest(gpu));
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "Score"), ColumnReader.Vectors(after, "Score")), 0f, 1e-4f);

        using var density = gpu.LoadBatched(SaveFlow(), out _);
        Assert.Equal("CUDAExecutionProvider", density.ActiveProvider);
    }

    private static void AssertSameMixtureOfExpertsScores(IDataView before, IDataView after)
    {
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "Score"), ColumnReader.Vectors(after, "Score")), 0f, Tolerance);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "GateProbabilities"), ColumnReader.Vectors(after, "GateProbabilities")), 0f, Tolerance);
        Assert.Equal(ColumnReader.Scalars<uint>(before, "PredictedLabel"), ColumnReader.Scalars<uint>(after, "PredictedLabel"));
        Assert.Equal(ColumnReader.Scalars<float>(before, "PredictedLetter"), ColumnReader.Scalars<float>(after, "PredictedLetter"));
        Assert.Equal(ColumnReader.Scalars<uint>(before, "Expert"), ColumnReader.Scalars<uint>(after, "Expert"));
        foreach (var name in new[] { "Score", "PredictedLabel", "GateProbabilities", "Expert", "PredictedLetter" })
        {
            Assert.Equal(before.Schema[name].Type, after.Schema[name].Type);
        }
    }

    private static void AssertSameFlowScores(IDataView before, IDataView after)
    {
        Assert.InRange(ColumnReader.MaxAbsDifference([ColumnReader.Scalars<float>(before, "LogDensity")], [ColumnReader.Scalars<float>(after, "LogDensity")]), 0f, Tolerance);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "ComponentPosterior"), ColumnReader.Vectors(after, "ComponentPosterior")), 0f, Tolerance);
    }

    /// <summary>
    /// ML.NET's own loader with a context that names a GPU: null (and checked) where it cannot load. ML.NET 6 asks ONNX
    /// Runtime for CUDA through an entry point the CPU package lacks, and catches only OnnxRuntimeException.
    /// </summary>
    private static ITransformer? LoadWithMLNet(MLContext gpu, string path)
    {
        if (!CpuPackage)
        {
            return gpu.Model.Load(path, out _); // the Gpu package: ML.NET falls back to the CPU itself
        }

        var e = Assert.ThrowsAny<Exception>(() => gpu.Model.Load(path, out _));
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        Assert.IsType<EntryPointNotFoundException>(e);
        Assert.Contains("OrtSessionOptionsAppendExecutionProvider_CUDA", e.Message, StringComparison.Ordinal);
        return null;
    }

    /// <summary>ApplyOnnxModel over a graph Twice = 2 x Features ([N, 16]).</summary>
    private static ITransformer TwiceFeatures(MLContext ml)
    {
        var graph = new OnnxGraphBuilder();
        var x = graph.AddInput("Features", -1, LetterData.FeatureNames.Length);
        graph.AddOutput("Twice", graph.Add(x, x));
        var model = new OnnxModelWriter().ToBytes(graph);
        var input = new DataViewSchema.DetachedColumn("Features", new VectorDataViewType(NumberDataViewType.Single, LetterData.FeatureNames.Length));
        return ml.Transforms.ApplyOnnxModel(["Twice"], ["Features"], new MemoryStream(model)).Fit(new DataViews.InMemoryDataView(0, [input], [DataViews.BatchColumn.Vectors(Array.Empty<float>(), LetterData.FeatureNames.Length)]));
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    private string SaveMixtureOfExperts()
    {
        string path = Path.Combine(_folder, $"moe-{Guid.NewGuid():N}.zip");
        letter.Context.Model.Save(letter.Model, letter.Train.Schema, path);
        return path;
    }

    private string SaveFlow()
    {
        string path = Path.Combine(_folder, $"flow-{Guid.NewGuid():N}.zip");
        flow.Context.Model.Save(flow.Model, flow.Context.Data.LoadFromEnumerable(flow.Test).Schema, path);
        return path;
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
