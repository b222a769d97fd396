using System.CommandLine;
using MLNetMixture.Training.Triton;

namespace MLNetMixture.Cli.Commands;

/// <summary>The options of <c>mlmix export</c> that write a Triton model repository (<c>--triton DIR</c> and its settings).</summary>
internal sealed class ExportTritonOptions
{
    private readonly Option<string> _repository = new("--triton") { Description = "Also (or instead of --output) write a Triton Inference Server model repository: DIR/<name>/1/model.onnx and DIR/<name>/config.pbtxt (platform onnxruntime_onnx, dynamic batching). The graph needs a dynamic batch axis on every input and output." };
    private readonly Option<string> _name = new("--triton-name") { Description = "With --triton: the model's name in the repository (default: the model file's name without extension)." };
    private readonly Option<int> _maxBatchSize = new("--max-batch-size") { Description = "With --triton: max_batch_size, the most rows Triton hands to one execution.", DefaultValueFactory = _ => TritonModelRepositoryOptions.DefaultMaxBatchSize };
    private readonly Option<int> _cpuInstances = new("--cpu-instances") { Description = "With --triton: model instances on the CPU (0: no CPU instance group).", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _gpuInstances = new("--gpu-instances") { Description = "With --triton: model instances per GPU (0: no GPU instance group, for servers without a GPU).", DefaultValueFactory = _ => 1 };

    /// <summary>Adds the options to the export command.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _repository, _name, _maxBatchSize, _cpuInstances, _gpuInstances })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The Triton export asked for, or null without <c>--triton</c> (then the other Triton options must be left out).</summary>
    public TritonExportRequest? Read(ParseResult parse, string modelPath)
    {
        string? repository = parse.GetValue(_repository);
        if (repository is null)
        {
            foreach (var option in new Option[] { _name, _maxBatchSize, _cpuInstances, _gpuInstances })
            {
                if (parse.GetResult(option) is { Implicit: false })
                {
                    throw new UsageException($"{option.Name} applies to --triton only; add --triton DIR or leave {option.Name} out.");
                }
            }

            return null;
        }

        var options = new TritonModelRepositoryOptions
        {
            MaxBatchSize = parse.GetValue(_maxBatchSize),
            CpuInstances = parse.GetValue(_cpuInstances),
            GpuInstances = parse.GetValue(_gpuInstances),
        };
        for (int i = options.PreferredBatchSizes.Count - 1; i >= 0; i--)
        {
            if (options.PreferredBatchSizes[i] > options.MaxBatchSize)
            {
                options.PreferredBatchSizes.RemoveAt(i);
            }
        }

        string name = parse.GetValue(_name) ?? Path.GetFileNameWithoutExtension(modelPath);
        return new TritonExportRequest(repository, name, options);
    }
}
