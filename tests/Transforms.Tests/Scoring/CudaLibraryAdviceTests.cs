using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests.Scoring;

/// <summary>The loader-error advice, fed the messages seen on a machine without CUDA libraries (Microsoft.ML.OnnxRuntime.Gpu 1.32.0, Linux x64).</summary>
public sealed class CudaLibraryAdviceTests
{
    /// <summary>.NET's NativeLibrary.Load("libcublasLt.so.13") on a machine without cuBLAS: glibc's words on the last line.</summary>
    private const string DotNetCublasLt =
        "Unable to load shared library 'libcublasLt.so.13' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n"
        + "libcublasLt.so.13: cannot open shared object file: No such file or directory\n";

    /// <summary>ONNX Runtime's own log line when it fails to load its CUDA provider (the exception says only "Failed to load shared library").</summary>
    private const string OrtLogLine =
        "\u001b[1;31m2026-12-07 06:27:32.839900889 [E:onnxruntime:CSharpOnnxRuntime, provider_bridge_ort.cc:2224 operator()] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2059 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /tmp/cli-gpu/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory\n\u001b[m";

    /// <summary>The OnnxRuntimeException of AppendExecutionProvider_CUDA in the same situation.</summary>
    private const string OrtException = "[ErrorCode:Fail] OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library";

    [Theory]
    [InlineData(DotNetCublasLt, "libcublasLt.so.13")]
    [InlineData(OrtLogLine, "libcublasLt.so.13")]
    [InlineData("libcudart.so.13: cannot open shared object file: No such file or directory", "libcudart.so.13")]
    [InlineData("Unable to load DLL 'cublasLt64_13.dll' or one of its dependencies: The specified module could not be found. (0x8007007E)", "cublasLt64_13.dll")]
    [InlineData("Error loading \"C:\\app\\onnxruntime_providers_cuda.dll\" which depends on \"cudnn64_9.dll\" which is missing. (Error 126: \"The specified module could not be found.\")", "cudnn64_9.dll")]
    public void The_missing_library_is_the_one_the_loader_could_not_open(string error, string library) =>
        Assert.Equal(library, CudaLibraryAdvice.MissingLibrary(error));

    [Fact]
    public void An_error_that_names_no_library_gives_none() =>
        Assert.Null(CudaLibraryAdvice.MissingLibrary(OrtException));

    [Theory]
    [InlineData("libcublasLt.so.13", "cuBLAS of CUDA 13")]
    [InlineData("libcublas.so.13", "cuBLAS of CUDA 13")]
    [InlineData("libcurand.so.10", "cuRAND of CUDA 13")]
    [InlineData("libcudart.so.13", "the CUDA 13 runtime")]
    [InlineData("libcufft.so.12", "cuFFT of CUDA 13")]
    [InlineData("libcudnn.so.9", "cuDNN 9 for CUDA 13")]
    [InlineData("cudnn64_9.dll", "cuDNN 9 for CUDA 13")]
    [InlineData("cudart64_13.dll", "the CUDA 13 runtime")]
    [InlineData("libcuda.so.1", "the NVIDIA driver")]
    [InlineData("nvcuda.dll", "the NVIDIA driver")]
    public void Each_library_is_traced_to_the_component_that_ships_it(string library, string component) =>
        Assert.Equal(component, CudaLibraryAdvice.Component(library));

    [Fact]
    public void The_loader_detail_is_glibcs_own_words()
    {
        Assert.Equal("libcublasLt.so.13: cannot open shared object file: No such file or directory", CudaLibraryAdvice.LoaderDetail(DotNetCublasLt));
        Assert.Equal("libcublasLt.so.13: cannot open shared object file: No such file or directory", CudaLibraryAdvice.LoaderDetail(OrtLogLine));
    }

    [Fact]
    public void Explanation_names_every_missing_library_its_component_and_the_loader_path()
    {
        const string provider = "/app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so";
        string[] errors = [DotNetCublasLt, .. new[] { "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1", "libcudnn.so.9" }.Select(DotNetError)];
        string text = CudaLibraryAdvice.Explain(provider, errors, windows: false);
        Assert.StartsWith($"the CUDA execution provider ({provider}) cannot start: libcublasLt.so.13 (cuBLAS of CUDA 13), libcublas.so.13 (cuBLAS of CUDA 13), libcurand.so.10 (cuRAND of CUDA 13), libcudart.so.13 (the CUDA 13 runtime), libcuda.so.1 (the NVIDIA driver), libcudnn.so.9 (cuDNN 9 for CUDA 13) cannot be loaded (libcublasLt.so.13: cannot open shared object file: No such file or directory).", text, StringComparison.Ordinal);
        Assert.Contains("Install cuBLAS of CUDA 13, cuRAND of CUDA 13, the CUDA 13 runtime and cuDNN 9 for CUDA 13 and put the folders that hold them on LD_LIBRARY_PATH (or register them with ldconfig).", text, StringComparison.Ordinal);
        Assert.Contains("Install the NVIDIA driver (R580 or newer, for CUDA 13)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("npm", text, StringComparison.Ordinal);
    }

    [Fact]
    public void On_windows_the_libraries_go_on_path_and_a_present_driver_is_not_mentioned()
    {
        string text = CudaLibraryAdvice.Explain(@"C:\app\onnxruntime_providers_cuda.dll", ["Unable to load DLL 'cublasLt64_13.dll' or one of its dependencies: The specified module could not be found. (0x8007007E)"], windows: true);
        Assert.Contains("cublasLt64_13.dll (cuBLAS of CUDA 13)", text, StringComparison.Ordinal);
        Assert.Contains("Install cuBLAS of CUDA 13 and put the folders that hold them on PATH.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ldconfig", text, StringComparison.Ordinal);
        Assert.DoesNotContain("driver", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_driver_older_than_cuda_13_is_reported_with_its_version()
    {
        Assert.Null(CudaLibraryAdvice.DriverVersionProblem(13000));
        Assert.Null(CudaLibraryAdvice.DriverVersionProblem(13010));
        Assert.Equal("the NVIDIA driver supports CUDA up to 12.8, and ONNX Runtime's CUDA execution provider needs CUDA 13: install a newer driver (R580 or newer).", CudaLibraryAdvice.DriverVersionProblem(12080));
    }

    private static string DotNetError(string library) =>
        $"Unable to load shared library '{library}' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n{library}: cannot open shared object file: No such file or directory\n";
}
