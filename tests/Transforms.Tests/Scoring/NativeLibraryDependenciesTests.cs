using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests.Scoring;

public sealed class NativeLibraryDependenciesTests
{
    private static string NativeFolder => Path.Combine(AppContext.BaseDirectory, "runtimes", CudaAvailability.RuntimeFolder(), "native");

    [Fact]
    public void Reads_the_libraries_onnx_runtime_links_against()
    {
        if (OperatingSystem.IsLinux())
        {
            var needed = NativeLibraryDependencies.Read(Path.Combine(NativeFolder, "libonnxruntime.so"));
            Assert.Contains("libc.so.6", needed);
            Assert.Contains("libstdc++.so.6", needed);
        }
        else if (OperatingSystem.IsWindows())
        {
            var imported = NativeLibraryDependencies.Read(Path.Combine(NativeFolder, "onnxruntime.dll"));
            Assert.Contains(imported, n => n.Equals("KERNEL32.dll", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Reads_the_imports_of_a_windows_library()
    {
        // The CPU package carries every platform's natives; the NuGet cache keeps the Windows one even on Linux.
        string? dll = PackageFile("microsoft.ml.onnxruntime", "runtimes/win-x64/native/onnxruntime.dll");
        Assert.SkipWhen(dll is null, "needs the Microsoft.ML.OnnxRuntime package in the NuGet cache (it holds the Windows library)");

        var imported = NativeLibraryDependencies.Read(dll);
        Assert.Contains(imported, n => n.Equals("KERNEL32.dll", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_gpu_packages_cuda_provider_needs_cuda_13_libraries()
    {
        // Present once anything here was built with -p:OnnxRuntimeGpu=true; these are the facts the advice encodes.
        string? provider = PackageFile("microsoft.ml.onnxruntime.gpu.linux", "runtimes/linux-x64/native/libonnxruntime_providers_cuda.so");
        Assert.SkipWhen(provider is null, "needs Microsoft.ML.OnnxRuntime.Gpu.Linux in the NuGet cache (build once with -p:OnnxRuntimeGpu=true)");

        var needed = NativeLibraryDependencies.Read(provider);
        Assert.Equal(["libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1"], needed.Where(n => n.StartsWith("libcu", StringComparison.Ordinal)));
        string? windows = PackageFile("microsoft.ml.onnxruntime.gpu.windows", "runtimes/win-x64/native/onnxruntime_providers_cuda.dll");
        if (windows is not null)
        {
            var imported = NativeLibraryDependencies.Read(windows);
            // On Windows the provider imports cuBLAS and the provider bridge; cudart, cuDNN and the driver it opens itself.
            Assert.Equal(["cublasLt64_13.dll", "cublas64_13.dll", "onnxruntime_providers_shared.dll"], imported.Take(3));
        }
    }

    [Fact]
    public void A_file_that_is_no_library_is_refused_clearly()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a library at all, but long enough to have a header's worth of bytes in it.");
            var e = Assert.Throws<InvalidDataException>(() => NativeLibraryDependencies.Read(path));
            Assert.Contains("neither an ELF nor a PE library", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A file of package <paramref name="id"/> 1.32.0 in the NuGet cache, or null.</summary>
    private static string? PackageFile(string id, string relative)
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, id, "1.32.0", relative);
        return File.Exists(path) ? path : null;
    }
}
