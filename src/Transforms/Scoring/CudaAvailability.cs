using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace MLNetMixture.Transforms.Scoring;

/// <summary>
/// Checks, without asking ONNX Runtime for the CUDA execution provider, whether it can run, and says what is missing
/// when it cannot: a CPU-only ONNX Runtime package, the provider library, a CUDA 13 or cuDNN 9 library the provider
/// needs, the NVIDIA driver (or one too old for CUDA 13), or the device.
/// </summary>
/// <remarks>
/// <para>
/// The provider library (libonnxruntime_providers_cuda.so, onnxruntime_providers_cuda.dll) is looked for where NuGet
/// puts it: runtimes/&lt;rid&gt;/native/ under the application's folder and under the folder of the ONNX Runtime
/// assembly, then those folders themselves, then the folders on LD_LIBRARY_PATH (PATH on Windows).
/// </para>
/// <para>
/// The provider itself is not loaded here (its initialisers need ONNX Runtime's provider host, so only ONNX Runtime
/// may load it). Instead the libraries it links against are read from its file (ELF DT_NEEDED, PE imports), plus the
/// cuDNN library it opens at start, and each is loaded through the system loader; a failure gives the loader's own
/// words and the component to install (CUDA 13 runtime, cuBLAS, cuRAND, cuDNN 9 for CUDA 13, the NVIDIA driver).
/// Asking ONNX Runtime instead would only give "Failed to load shared library" and print its own error line.
/// </para>
/// </remarks>
public static class CudaAvailability
{
    private const string CudaProvider = "CUDAExecutionProvider";

    /// <summary>Null when CUDA device <paramref name="deviceId"/> looks usable; otherwise what is missing and what to do.</summary>
    public static string? Problem(int deviceId)
    {
        if (deviceId < 0)
        {
            return $"CUDA device id {deviceId} is negative.";
        }

        if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider, StringComparer.Ordinal))
        {
            return CpuPackageProblem();
        }

        bool windows = OperatingSystem.IsWindows();
        string library = windows ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
        var searched = ProviderFolders().ToArray();
        string? provider = searched.Select(dir => Path.Combine(dir, library)).FirstOrDefault(File.Exists);
        if (provider is null)
        {
            return $"this ONNX Runtime has CUDA support but its CUDA execution provider library ({library}) is in none of {string.Join(", ", searched)}; "
                + $"the Microsoft.ML.OnnxRuntime.Gpu package puts it in runtimes/{RuntimeFolder()}/native/ of the output folder: rebuild with -p:OnnxRuntimeGpu=true and keep that folder.";
        }

        var failures = LoadFailures(provider, windows);
        if (failures.Count > 0)
        {
            return CudaLibraryAdvice.Explain(provider, failures, windows);
        }

        return DriverProblem(deviceId, windows);
    }

    /// <summary>The message for a CPU-only ONNX Runtime (the default Microsoft.ML.OnnxRuntime package).</summary>
    internal static string CpuPackageProblem() =>
        $"this ONNX Runtime is the CPU package; build with -p:OnnxRuntimeGpu=true (Microsoft.ML.OnnxRuntime.Gpu {OrtEnv.Instance().GetVersionString()}), which needs CUDA {CudaLibraryAdvice.CudaMajor} and cuDNN {CudaLibraryAdvice.CudnnMajor}.";

    /// <summary>The folders searched for the provider library, in order, each once.</summary>
    internal static IEnumerable<string> ProviderFolders()
    {
        string native = Path.Combine("runtimes", RuntimeFolder(), "native");
        string app = AppContext.BaseDirectory;
        string ort = Path.GetDirectoryName(typeof(OrtEnv).Assembly.Location) ?? string.Empty;
        string loaderPath = Environment.GetEnvironmentVariable(OperatingSystem.IsWindows() ? "PATH" : "LD_LIBRARY_PATH") ?? string.Empty;
        var folders = new[] { Path.Combine(app, native), Path.Combine(ort, native), app, ort }
            .Concat(loaderPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return folders.Where(f => f.Length > 0 && Path.IsPathRooted(f)).Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).Distinct(StringComparer.Ordinal);
    }

    /// <summary>The runtime identifier folder NuGet uses for this process: linux-x64, win-x64, osx-arm64, ...</summary>
    internal static string RuntimeFolder()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        return $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
    }

    /// <summary>
    /// The loader errors of the libraries the provider needs that do not load: those it links against, the provider
    /// bridge next to it, and cuDNN (opened when the provider starts).
    /// </summary>
    private static List<string> LoadFailures(string provider, bool windows)
    {
        IReadOnlyList<string> linked;
        try
        {
            linked = NativeLibraryDependencies.Read(provider);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            linked = [];
        }

        string folder = Path.GetDirectoryName(provider)!;
        string bridge = Path.Combine(folder, windows ? "onnxruntime_providers_shared.dll" : "libonnxruntime_providers_shared.so");
        string cudnn = windows ? $"cudnn64_{CudaLibraryAdvice.CudnnMajor}.dll" : $"libcudnn.so.{CudaLibraryAdvice.CudnnMajor}";
        var failures = new List<string>();
        if (!File.Exists(bridge))
        {
            failures.Add($"{bridge}: cannot open shared object file: No such file or directory");
        }

        // A library next to the provider (the provider bridge on Windows) is found there when ONNX Runtime loads it.
        foreach (string library in linked.Append(cudnn).Distinct(StringComparer.OrdinalIgnoreCase).Where(l => !File.Exists(Path.Combine(folder, l))))
        {
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(library));
            }
            catch (DllNotFoundException e)
            {
                failures.Add(e.Message);
            }
            catch (BadImageFormatException e)
            {
                failures.Add(e.Message);
            }
        }

        return failures;
    }

    /// <summary>Null when the driver initialises, supports the provider's CUDA and has device <paramref name="deviceId"/>.</summary>
    private static string? DriverProblem(int deviceId, bool windows)
    {
        string driver = windows ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(driver, out IntPtr cuda))
        {
            return $"no NVIDIA driver was found ({driver} cannot be loaded). Install the NVIDIA driver ({CudaLibraryAdvice.DriverForCuda}, for CUDA {CudaLibraryAdvice.CudaMajor}).";
        }

        try
        {
            if (Driver(cuda, out int version, out int count) is { } error)
            {
                return error;
            }

            if (CudaLibraryAdvice.DriverVersionProblem(version) is { } old)
            {
                return old;
            }

            if (deviceId >= count)
            {
                return count == 0 ? "the NVIDIA driver reports no CUDA device." : $"there is no CUDA device {deviceId}: the driver reports {count} device(s) (0..{count - 1}).";
            }

            return null;
        }
        finally
        {
            NativeLibrary.Free(cuda);
        }
    }

    private static unsafe string? Driver(IntPtr cuda, out int version, out int count)
    {
        version = 0;
        count = 0;
        if (!NativeLibrary.TryGetExport(cuda, "cuInit", out IntPtr init)
            || !NativeLibrary.TryGetExport(cuda, "cuDriverGetVersion", out IntPtr getVersion)
            || !NativeLibrary.TryGetExport(cuda, "cuDeviceGetCount", out IntPtr getCount))
        {
            return "the NVIDIA driver library lacks cuInit, cuDriverGetVersion or cuDeviceGetCount.";
        }

        int rc = ((delegate* unmanaged<uint, int>)init)(0);
        if (rc != 0)
        {
            return $"the NVIDIA driver failed to initialise (cuInit returned {rc}); is a GPU visible to this process (CUDA_VISIBLE_DEVICES, container device access)?";
        }

        int v = 0, c = 0;
        rc = ((delegate* unmanaged<int*, int>)getVersion)(&v);
        if (rc != 0)
        {
            return $"the NVIDIA driver could not report its CUDA version (cuDriverGetVersion returned {rc}).";
        }

        rc = ((delegate* unmanaged<int*, int>)getCount)(&c);
        if (rc != 0)
        {
            return $"the NVIDIA driver could not count devices (cuDeviceGetCount returned {rc}).";
        }

        version = v;
        count = c;
        return null;
    }
}
