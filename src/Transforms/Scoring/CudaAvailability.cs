using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace MLNetMixture.Transforms.Scoring;

/// <summary>
/// Checks, without calling into the CUDA execution provider, whether it can run: the provider library is
/// installed, an NVIDIA driver is present, and the device exists. Calling the provider when one of these is
/// missing raises native-loader exceptions; this check turns each into a sentence.
/// </summary>
public static class CudaAvailability
{
    private const string ProviderLibraryLinux = "libonnxruntime_providers_cuda.so";
    private const string ProviderLibraryWindows = "onnxruntime_providers_cuda.dll";

    /// <summary>Null when CUDA device <paramref name="deviceId"/> looks usable; otherwise what is missing.</summary>
    public static string? Problem(int deviceId)
    {
        if (deviceId < 0)
        {
            return $"CUDA device id {deviceId} is negative.";
        }

        if (BuildProblem() is { } build)
        {
            return build;
        }

        string library = OperatingSystem.IsWindows() ? ProviderLibraryWindows : ProviderLibraryLinux;
        if (!ProviderLibraryInstalled(library))
        {
            return $"the CUDA execution provider library ({library}) is not installed next to the application ({AppContext.BaseDirectory}); build with -p:OnnxRuntimeCuda=true (or the Microsoft.ML.OnnxRuntime.Gpu package).";
        }

        string driver = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(driver, out IntPtr cuda))
        {
            return $"no NVIDIA driver was found ({driver} cannot be loaded).";
        }

        try
        {
            int count = DeviceCount(cuda, out string? error);
            if (error is not null)
            {
                return error;
            }

            if (deviceId >= count)
            {
                return count == 0 ? "the NVIDIA driver reports no CUDA device." : $"there is no CUDA device {deviceId}: the driver reports {count} device(s) (0..{count - 1}).";
            }
        }
        finally
        {
            NativeLibrary.Free(cuda);
        }

        // Whether this ONNX Runtime build can load the provider is only known by trying: OnnxScorer appends it
        // inside a guard and reports a failure the same way as the checks above.
        return null;
    }

    /// <summary>Whether the loaded ONNX Runtime was compiled with CUDA support at all (probed on a throwaway session options).</summary>
    private static string? BuildProblem()
    {
        try
        {
            using var sessionOptions = new SessionOptions();
            using var cuda = new OrtCUDAProviderOptions();
            sessionOptions.AppendExecutionProvider_CUDA(cuda);
            return null;
        }
        catch (OnnxRuntimeException e) when (e.Message.Contains("not enabled in this build", StringComparison.OrdinalIgnoreCase))
        {
            return "this ONNX Runtime build has no CUDA support (its native library was compiled for the CPU only; the npm package com.github.asus4.onnxruntime is CPU-only on Linux). Build with -p:OnnxRuntimeFromNuGet=true -p:OnnxRuntimeCuda=true to use the official Microsoft.ML.OnnxRuntime.Gpu package.";
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            // A CUDA-enabled build that cannot start the provider yet: the checks that follow say why.
            return null;
        }
    }

    private static bool ProviderLibraryInstalled(string library)
    {
        foreach (string dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(OrtEnv).Assembly.Location) ?? string.Empty })
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, library)))
            {
                return true;
            }
        }

        // Installed system-wide (e.g. on LD_LIBRARY_PATH)?
        if (NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }

    private static unsafe int DeviceCount(IntPtr cuda, out string? error)
    {
        error = null;
        if (!NativeLibrary.TryGetExport(cuda, "cuInit", out IntPtr init) || !NativeLibrary.TryGetExport(cuda, "cuDeviceGetCount", out IntPtr getCount))
        {
            error = "the NVIDIA driver library lacks cuInit/cuDeviceGetCount.";
            return 0;
        }

        int rc = ((delegate* unmanaged<uint, int>)init)(0);
        if (rc != 0)
        {
            error = $"the NVIDIA driver failed to initialise (cuInit returned {rc}); is a GPU visible to this process?";
            return 0;
        }

        int count = 0;
        rc = ((delegate* unmanaged<int*, int>)getCount)(&count);
        if (rc != 0)
        {
            error = $"the NVIDIA driver could not count devices (cuDeviceGetCount returned {rc}).";
            return 0;
        }

        return count;
    }
}
