using Microsoft.ML;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Loading;

/// <summary>Loads an ML.NET model zip with ML.NET and replaces its ONNX transformers by batched ONNX Runtime scorers.</summary>
internal static class BatchedModelLoader
{
    /// <summary>Loads the zip in <paramref name="stream"/>; see <see cref="MLNetMixtureCatalog.LoadBatched(MLContext, Stream, out DataViewSchema, OnnxScoringOptions?)"/>.</summary>
    public static BatchedModel Load(MLContext mlContext, Stream stream, string source, OnnxScoringOptions? scoring, out DataViewSchema inputSchema)
    {
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }

        long start = stream.Position;
        var saved = SavedOnnxModels.Read(stream, source);
        stream.Position = start;

        // ML.NET's own ONNX transformers open ONNX Runtime sessions when loaded, on the GPU the loading context names:
        // they are replaced at once, so they are loaded on the CPU (ML.NET 6 with the CPU ONNX Runtime package even
        // throws EntryPointNotFoundException when asked for CUDA), and the device goes to the batched scorers.
        var loader = mlContext.GpuDeviceId is null ? mlContext : new MLContext();
        var model = loader.Model.Load(stream, out inputSchema);
        var options = OnceWarning(scoring ?? mlContext.GetOnnxScoringOptions());
        var rewriter = new BatchedChainRewriter(saved, options, $"the ONNX steps of {source}");
        try
        {
            var rewritten = rewriter.Rewrite(model, inputSchema);
            saved.CheckAllTaken();
            return new BatchedModel(rewritten, rewriter.Steps);
        }
        catch
        {
            foreach (var step in rewriter.Steps)
            {
                step.Dispose();
            }

            throw;
        }
    }

    /// <summary>The options with a warning callback that passes only the first warning on: a model with several ONNX steps warns once.</summary>
    private static OnnxScoringOptions OnceWarning(OnnxScoringOptions scoring)
    {
        var warning = scoring.Warning ?? (m => Console.Error.WriteLine(m));
        int warned = 0;
        return scoring with
        {
            Warning = message =>
            {
                if (Interlocked.Exchange(ref warned, 1) == 0)
                {
                    warning(message);
                }
            },
        };
    }
}
