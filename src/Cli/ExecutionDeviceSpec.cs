using System.Globalization;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli;

/// <summary>Parses the <c>--device</c> option of the scoring commands: <c>cpu</c>, <c>cuda</c> (device 0) or <c>cuda:N</c>.</summary>
internal static class ExecutionDeviceSpec
{
    /// <summary>The device and CUDA ordinal named by <paramref name="text"/>, or a <see cref="UsageException"/> listing the accepted forms.</summary>
    public static (OnnxExecutionDevice Device, int DeviceId) Parse(string? text)
    {
        string spec = (text ?? "cpu").Trim().ToLowerInvariant();
        if (spec == "cpu")
        {
            return (OnnxExecutionDevice.Cpu, 0);
        }

        if (spec == "cuda" || spec == "gpu")
        {
            return (OnnxExecutionDevice.Cuda, 0);
        }

        foreach (string prefix in (string[])["cuda:", "gpu:"])
        {
            if (spec.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(spec.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            {
                return (OnnxExecutionDevice.Cuda, id);
            }
        }

        throw new UsageException($"Unknown device '{text}'; use cpu, cuda or cuda:N (N = the CUDA device ordinal, e.g. cuda:0).");
    }
}
