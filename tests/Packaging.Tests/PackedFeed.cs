using System.Globalization;

namespace MLNetMixture.Packaging.Tests;

/// <summary>
/// Packs the solution once per test class, as `dotnet pack -c Release` does from the repository root, into a
/// temporary folder feed, with a version no earlier run used (so the global NuGet cache never serves a stale copy).
/// Build outputs go to a temporary artifacts folder, away from the bin/ and obj/ folders other test runs use.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    /// <summary>The packages a user installs: the three libraries and the mlmix tool.</summary>
    public static readonly string[] PackageIds = ["MLNetMixture.Training", "MLNetMixture.Reporting", "MLNetMixture.Transforms", "mlmix"];

    public PackedFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-local.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}.{Environment.ProcessId}");
        Root = Directory.CreateTempSubdirectory("mlnetmixture-packaging-").FullName;
        Feed = Path.Combine(Root, "feed");
        Pack = Dotnet.Cli(
            RepositoryRoot,
            TimeSpan.FromMinutes(10),
            "pack", Path.Combine(RepositoryRoot, "MLNetMixture.sln"),
            "-c", "Release",
            "-o", Feed,
            $"-p:Version={Version}",
            "--artifacts-path", Path.Combine(Root, "artifacts"),
            "--disable-build-servers");
        if (Pack.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet pack failed: {Pack.Describe()}");
        }
    }

    /// <summary>The folder holding MLNetMixture.sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>This run's package version, e.g. 0.1.0-local.1765090000000.4242.</summary>
    public string Version { get; }

    /// <summary>A temporary folder for everything this fixture and its tests write; deleted at the end.</summary>
    public string Root { get; }

    /// <summary>The folder the packages were packed into.</summary>
    public string Feed { get; }

    /// <summary>The pack command's result.</summary>
    internal ProcessResult Pack { get; }

    /// <summary>The path of package <paramref name="id"/> in the feed.</summary>
    public string Package(string id, string extension = ".nupkg") => Path.Combine(Feed, $"{id}.{Version}{extension}");

    /// <summary>A new empty folder under <see cref="Root"/>.</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MLNetMixture.sln above {AppContext.BaseDirectory}.");
    }
}
