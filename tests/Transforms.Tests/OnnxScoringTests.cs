using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Training.Data;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests;

/// <summary>
/// Our exported models under ML.NET's ApplyOnnxModel and under our batched transformer, and what each does when a
/// GPU is requested on a machine without one.
/// </summary>
public sealed class OnnxScoringTests(LetterModels letter) : IClassFixture<LetterModels>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnet-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Exported_model_runs_unchanged_under_mlnet_apply_onnx_model_with_our_scorers_numbers()
    {
        string path = ExportOurs();
        var ml = new MLContext();
        var features = ml.Transforms.Concatenate("Features", LetterData.FeatureNames).Fit(LetterData.MLNetTest(ml)).Transform(LetterData.MLNetTest(ml));
        var viaMLNet = ml.Transforms.ApplyOnnxModel(path).Fit(features).Transform(features);

        var table = LetterData.OurTest();
        using var scorer = OnnxScorer.Load(path);
        var ours = scorer.Score(table.Features, table.Rows);
        var native = letter.Ours.Transform(table);

        var mlnetScores = ColumnReader.Vectors(viaMLNet, "Score");
        var scorerScores = Rows(ours["Score"].Floats!, table.Rows);
        var nativeScores = Enumerable.Range(0, native.Rows).Select(r => native.Score(r).ToArray()).ToArray();
        Assert.InRange(ColumnReader.MaxAbsDifference(mlnetScores, scorerScores), 0f, 1e-5f);
        Assert.InRange(ColumnReader.MaxAbsDifference(mlnetScores, nativeScores), 0f, 1e-4f);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(viaMLNet, "GateProbabilities"), Rows(ours["GateProbabilities"].Floats!, table.Rows)), 0f, 1e-5f);

        // ApplyOnnxModel gives the int64 [N] outputs as vectors of one value (it fixes the batch dimension to 1).
        Assert.Equal(1, ((VectorDataViewType)viaMLNet.Schema["PredictedLabel"].Type).Size);
        var predicted = ColumnReader.Scalars<VBuffer<long>>(viaMLNet, "PredictedLabel").Select(v => v.GetItemOrDefault(0)).ToArray();
        Assert.Equal(ours["PredictedLabel"].Int64s, predicted);
    }

    [Fact]
    public void Score_onnx_batched_adds_every_output_with_natural_column_types()
    {
        string path = ExportOurs();
        var ml = new MLContext();
        var test = LetterData.MLNetTest(ml);
        var features = ml.Transforms.Concatenate("Features", LetterData.FeatureNames).Fit(test).Transform(test);
        var scored = ml.Transforms.ScoreOnnxBatched(path).Fit(features).Transform(features);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, LetterData.Classes), scored.Schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Int64, scored.Schema["PredictedLabel"].Type);
        Assert.Equal(NumberDataViewType.Int64, scored.Schema["Expert"].Type);
        var table = LetterData.OurTest();
        using var scorer = OnnxScorer.Load(path);
        var ours = scorer.Score(table.Features, table.Rows);
        Assert.Equal(0f, ColumnReader.MaxAbsDifference(Rows(ours["Score"].Floats!, table.Rows), ColumnReader.Vectors(scored, "Score")));
        Assert.Equal(ours["PredictedLabel"].Int64s, ColumnReader.Scalars<long>(scored, "PredictedLabel"));
        Assert.Equal(ColumnReader.Scalars<float>(test, "label"), ColumnReader.Scalars<float>(scored, "label"));
    }

    [Fact]
    public void Requested_gpu_falls_back_to_the_cpu_with_a_warning_when_allowed()
    {
        Assert.SkipWhen(CudaAvailability.Problem(0) is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        string path = ExportOurs();
        var ml = new MLContext();
        var test = LetterData.MLNetTest(ml);
        var features = ml.Transforms.Concatenate("Features", LetterData.FeatureNames).Fit(test).Transform(test);
        var warnings = new List<string>();
        var options = new OnnxBatchScoringOptions { Scoring = new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, DeviceId = 0, FallbackToCpu = true, Warning = warnings.Add } };
        using var transformer = ml.Transforms.ScoreOnnxBatched(path, options).Fit(features);

        Assert.Equal("CPUExecutionProvider", transformer.ActiveProvider);
        Assert.False(string.IsNullOrEmpty(transformer.FallbackReason));
        Assert.Single(warnings);
        Assert.Contains("CUDA requested", warnings[0], StringComparison.Ordinal);
        var cpu = ml.Transforms.ScoreOnnxBatched(path).Fit(features).Transform(features);
        Assert.Equal(0f, ColumnReader.MaxAbsDifference(ColumnReader.Vectors(cpu, "Score"), ColumnReader.Vectors(transformer.Transform(features), "Score")));
    }

    [Fact]
    public void Requested_gpu_without_fallback_fails_with_a_message_naming_what_is_missing()
    {
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        string path = ExportOurs();
        var options = new OnnxBatchScoringOptions { Scoring = new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, DeviceId = 0, FallbackToCpu = false } };
        var error = Assert.Throws<ExecutionProviderUnavailableException>(() => new MLContext().Transforms.ScoreOnnxBatched(path, options));
        Assert.Contains("CUDA device 0 cannot be used", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mlnet_apply_onnx_model_with_a_gpu_and_fallback_throws_on_an_onnx_runtime_without_the_cuda_entry_point()
    {
        Assert.SkipUnless(
            NativeLibrary.TryLoad("onnxruntime", typeof(OrtEnv).Assembly, DllImportSearchPath.AssemblyDirectory, out var library),
            "the ONNX Runtime native library (onnxruntime) cannot be loaded from the test's output folder, so whether it exports the CUDA entry point is unknown");
        Assert.SkipWhen(
            NativeLibrary.TryGetExport(library, "OrtSessionOptionsAppendExecutionProvider_CUDA", out _),
            "needs a CPU-only ONNX Runtime: this one exports OrtSessionOptionsAppendExecutionProvider_CUDA, so ML.NET's own fallback can work");

        // Documented behaviour of ML.NET's own transformer, not ours: its fallback catches only OnnxRuntimeException,
        // while a CPU-only ONNX Runtime has no CUDA entry point at all.
        string path = ExportOurs();
        var error = Record.Exception(() => new MLContext().Transforms.ApplyOnnxModel(path, gpuDeviceId: 0, fallbackToCpu: true));
        Assert.IsType<EntryPointNotFoundException>(error);
    }

    private string ExportOurs()
    {
        string path = Path.Combine(_dir, "letter-moe.onnx");
        if (!File.Exists(path))
        {
            letter.Ours.ExportOnnx(path);
        }

        return path;
    }

    private static float[][] Rows(float[] values, int rows)
    {
        int width = values.Length / rows;
        return Enumerable.Range(0, rows).Select(r => values.AsSpan(r * width, width).ToArray()).ToArray();
    }
}
