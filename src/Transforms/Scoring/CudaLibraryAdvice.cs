using System.Globalization;
using System.Text.RegularExpressions;

namespace MLNetMixture.Transforms.Scoring;

/// <summary>
/// Turns native-loader errors met while checking ONNX Runtime's CUDA execution provider into advice: which library
/// is missing, which NVIDIA component provides it, and where it must be for the loader to find it. Pure functions
/// of the error text, so they are tested on the loaders' real messages.
/// </summary>
internal static partial class CudaLibraryAdvice
{
    /// <summary>The CUDA major version the CUDA provider of Microsoft.ML.OnnxRuntime.Gpu 1.32 is built for (its DT_NEEDED: libcudart.so.13, libcublas.so.13).</summary>
    public const int CudaMajor = 13;

    /// <summary>The cuDNN major version that provider loads (libcudnn.so.9 / cudnn64_9.dll).</summary>
    public const int CudnnMajor = 9;

    /// <summary>The oldest NVIDIA driver branch that runs CUDA 13.</summary>
    public const string DriverForCuda = "R580 or newer";

    /// <summary>
    /// The library a loader error is about, as a file name: from glibc's "X: cannot open shared object file", ONNX
    /// Runtime's Windows "depends on "X" which is missing", or .NET's "Unable to load shared library 'X'" /
    /// "Unable to load DLL 'X'"; null when the text names none.
    /// </summary>
    public static string? MissingLibrary(string loaderError)
    {
        ArgumentNullException.ThrowIfNull(loaderError);
        foreach (var pattern in (Regex[])[WindowsDependency(), GlibcCannotOpen(), DotNetUnableToLoad(), OrtFailedToLoad()])
        {
            var match = pattern.Match(loaderError);
            if (match.Success)
            {
                string library = match.Groups["lib"].Value.Trim();
                int slash = Math.Max(library.LastIndexOf('/'), library.LastIndexOf('\\'));
                return slash >= 0 ? library[(slash + 1)..] : library;
            }
        }

        return null;
    }

    /// <summary>The NVIDIA (or other) component that ships <paramref name="library"/>, e.g. "cuBLAS of CUDA 13" for libcublasLt.so.13.</summary>
    public static string Component(string library)
    {
        ArgumentNullException.ThrowIfNull(library);
        string name = library.ToLowerInvariant();
        return name switch
        {
            _ when name.StartsWith("libcudart.", StringComparison.Ordinal) || name.StartsWith("cudart64_", StringComparison.Ordinal) => $"the CUDA {CudaMajor} runtime",
            _ when name.StartsWith("libcublas", StringComparison.Ordinal) || name.StartsWith("cublas", StringComparison.Ordinal) => $"cuBLAS of CUDA {CudaMajor}",
            _ when name.StartsWith("libcurand.", StringComparison.Ordinal) || name.StartsWith("curand64_", StringComparison.Ordinal) => $"cuRAND of CUDA {CudaMajor}",
            _ when name.StartsWith("libcufft", StringComparison.Ordinal) || name.StartsWith("cufft64_", StringComparison.Ordinal) => $"cuFFT of CUDA {CudaMajor}",
            _ when name.StartsWith("libnvrtc", StringComparison.Ordinal) || name.StartsWith("nvrtc64_", StringComparison.Ordinal) => $"NVRTC of CUDA {CudaMajor}",
            _ when name.StartsWith("libcudnn", StringComparison.Ordinal) || name.StartsWith("cudnn64_", StringComparison.Ordinal) => $"cuDNN {Major(name) ?? CudnnMajor} for CUDA {CudaMajor}",
            _ when name.StartsWith("libcuda.so", StringComparison.Ordinal) || name == "nvcuda.dll" => "the NVIDIA driver",
            _ when name.Contains("onnxruntime_providers_shared", StringComparison.Ordinal) => "ONNX Runtime's provider bridge, which the Gpu package ships next to the ONNX Runtime library",
            _ when name.StartsWith("msvcp", StringComparison.Ordinal) || name.StartsWith("vcruntime", StringComparison.Ordinal) => "the Microsoft Visual C++ runtime",
            _ => "a library the CUDA execution provider needs",
        };
    }

    /// <summary>The part of a loader error that says what failed (glibc's or Windows' own words), without .NET's or ONNX Runtime's wrapping.</summary>
    public static string LoaderDetail(string loaderError)
    {
        ArgumentNullException.ThrowIfNull(loaderError);
        string text = AnsiEscape().Replace(loaderError, string.Empty);
        string line = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? text.Trim();
        int with = line.LastIndexOf("with error: ", StringComparison.Ordinal);
        return with >= 0 ? line[(with + "with error: ".Length)..] : line;
    }

    /// <summary>
    /// Why the CUDA provider at <paramref name="provider"/> cannot start, given the loader errors of the libraries it
    /// needs that did not load: each library with its component, the first error's own words, and what to install and
    /// where to put it (LD_LIBRARY_PATH on Linux, PATH on Windows).
    /// </summary>
    public static string Explain(string provider, IReadOnlyList<string> loaderErrors, bool windows)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(loaderErrors);
        if (loaderErrors.Count == 0)
        {
            throw new ArgumentException("At least one loader error is needed.", nameof(loaderErrors));
        }

        var libraries = loaderErrors.Select(e => MissingLibrary(e)).Where(l => l is not null).Select(l => l!).Distinct(StringComparer.Ordinal).ToArray();
        var missing = libraries.Length == 0 ? "a library it needs" : string.Join(", ", libraries.Select(l => $"{l} ({Component(l)})"));
        var text = $"the CUDA execution provider ({provider}) cannot start: {missing} cannot be loaded ({LoaderDetail(loaderErrors[0])}).";
        var driver = libraries.Where(l => Component(l) == "the NVIDIA driver").ToArray();
        var install = libraries.Except(driver).Select(Component).Distinct(StringComparer.Ordinal).ToArray();
        if (install.Length > 0)
        {
            string path = windows ? "PATH" : "LD_LIBRARY_PATH";
            string register = windows ? string.Empty : " (or register them with ldconfig)";
            text += $" Install {Join(install)} and put the folders that hold them on {path}{register}.";
        }

        if (driver.Length > 0)
        {
            text += $" Install the NVIDIA driver ({DriverForCuda}, for CUDA {CudaMajor}); without it no CUDA device is visible.";
        }

        return text;
    }

    /// <summary>
    /// Null when an NVIDIA driver reporting CUDA version <paramref name="driverVersion"/> (cuDriverGetVersion: 1000 x
    /// major + 10 x minor) runs the provider's CUDA; otherwise why not.
    /// </summary>
    public static string? DriverVersionProblem(int driverVersion) =>
        driverVersion >= CudaMajor * 1000
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the NVIDIA driver supports CUDA up to {driverVersion / 1000}.{driverVersion % 1000 / 10}, and ONNX Runtime's CUDA execution provider needs CUDA {CudaMajor}: install a newer driver ({DriverForCuda}).");

    private static string Join(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";

    /// <summary>The major version in a library name: libcudnn.so.9 → 9, cudnn64_9.dll → 9.</summary>
    private static int? Major(string name)
    {
        var match = LibraryMajor().Match(name);
        return match.Success ? int.Parse(match.Groups["major"].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex("""depends on "(?<lib>[^"]+)" which is missing""")]
    private static partial Regex WindowsDependency();

    [GeneratedRegex("""(?<lib>[^\s:'"]+): cannot open shared object file""")]
    private static partial Regex GlibcCannotOpen();

    [GeneratedRegex("""Unable to load (?:shared library|DLL) '(?<lib>[^']+)'""")]
    private static partial Regex DotNetUnableToLoad();

    [GeneratedRegex("""Failed to load library (?<lib>\S+)""")]
    private static partial Regex OrtFailedToLoad();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"(?:\.so\.|_)(?<major>\d+)(?:\.dll)?$")]
    private static partial Regex LibraryMajor();
}
