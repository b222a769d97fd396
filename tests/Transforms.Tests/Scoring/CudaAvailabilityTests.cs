using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests.Scoring;

public sealed class CudaAvailabilityTests
{
    private static bool CpuPackage => !OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

    [Fact]
    public void The_cpu_package_says_which_package_and_libraries_cuda_needs()
    {
        Assert.SkipUnless(CpuPackage, "needs the CPU package of ONNX Runtime: this build has the Gpu package (-p:OnnxRuntimeGpu=true)");

        Assert.Equal(
            $"this ONNX Runtime is the CPU package; build with -p:OnnxRuntimeGpu=true (Microsoft.ML.OnnxRuntime.Gpu {OrtEnv.Instance().GetVersionString()}), which needs CUDA 13 and cuDNN 9.",
            CudaAvailability.Problem(0));
    }

    [Fact]
    public void The_gpu_package_without_cuda_names_the_libraries_that_do_not_load()
    {
        Assert.SkipWhen(CpuPackage, "needs the Gpu package of ONNX Runtime (-p:OnnxRuntimeGpu=true); this build has the CPU package");
        string? problem = CudaAvailability.Problem(0);
        Assert.SkipWhen(problem is null, "needs a machine where CUDA cannot start: CUDA device 0 is usable here");

        // On a machine without CUDA 13 the provider's own DT_NEEDED list decides what is named.
        Assert.Contains("libonnxruntime_providers_cuda", problem, StringComparison.Ordinal);
        Assert.True(problem.Contains("cannot start", StringComparison.Ordinal) || problem.Contains("driver", StringComparison.Ordinal) || problem.Contains("device", StringComparison.Ordinal), problem);
    }

    [Fact]
    public void Messages_mention_no_build_switch_that_no_longer_exists()
    {
        string problem = CudaAvailability.Problem(0) ?? string.Empty;
        foreach (var gone in new[] { "npm", "asus4", "OnnxRuntimeFromNuGet", "OnnxRuntimeCuda=" })
        {
            Assert.DoesNotContain(gone, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_negative_device_id_is_refused() =>
        Assert.Equal("CUDA device id -1 is negative.", CudaAvailability.Problem(-1));

    [Fact]
    public void The_provider_is_looked_for_in_nugets_runtime_folder_first()
    {
        var folders = CudaAvailability.ProviderFolders().ToArray();
        string expected = Path.Combine(AppContext.BaseDirectory, "runtimes", CudaAvailability.RuntimeFolder(), "native");
        Assert.Equal(Path.TrimEndingDirectorySeparator(expected), folders[0]);
        Assert.Contains(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), folders);
        Assert.Equal(folders.Length, folders.Distinct().Count());

        // The build keeps the machine's own natives there (Directory.Build.targets): ONNX Runtime itself is in it.
        string runtime = OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so";
        Assert.True(File.Exists(Path.Combine(folders[0], runtime)), $"{runtime} should be in {folders[0]}");
    }
}
