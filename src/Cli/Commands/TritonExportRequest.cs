using System.Text.Json.Nodes;
using MLNetMixture.Training.Triton;

namespace MLNetMixture.Cli.Commands;

/// <summary>A Triton model repository entry that <c>mlmix export --triton</c> writes.</summary>
/// <param name="Repository">The repository folder.</param>
/// <param name="Name">The model's name (its folder in the repository).</param>
/// <param name="Options">Batching and instance settings.</param>
internal sealed record TritonExportRequest(string Repository, string Name, TritonModelRepositoryOptions Options)
{
    /// <summary>Writes the entry, reports it on the result stream and returns its JSON description.</summary>
    public JsonObject Write(CliContext context, byte[] onnxModel)
    {
        string config = BadInputGuard.Run(() => TritonModelRepository.CreateConfig(Name, onnxModel, Options));
        string folder = TritonModelRepository.Write(Repository, Name, onnxModel, Options);
        context.WriteResultLine($"Wrote Triton model repository entry {folder} (1/{TritonModelRepository.ModelFileName}, {TritonModelRepository.ConfigFileName}: max_batch_size {Options.MaxBatchSize}, {Options.CpuInstances} CPU and {Options.GpuInstances} GPU instances); serve it with: tritonserver --model-repository={Path.GetFullPath(Repository)}");
        return new JsonObject
        {
            ["repository"] = Path.GetFullPath(Repository),
            ["name"] = Name,
            ["folder"] = folder,
            ["maxBatchSize"] = Options.MaxBatchSize,
            ["cpuInstances"] = Options.CpuInstances,
            ["gpuInstances"] = Options.GpuInstances,
            ["config"] = config,
        };
    }
}
