using System.Globalization;
using System.IO.Compression;
using System.Security;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MLNetMixture.Packaging.Tests;

/// <summary>
/// What `dotnet pack -c Release` makes, checked as a user meets it: the package files, a console app that restores
/// MLNetMixture.Transforms from the packed feed and runs an ML.NET pipeline, and `dotnet tool install` of mlmix.
/// </summary>
public sealed partial class PackageTests(PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackedFeed>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Pack_makes_exactly_the_four_user_packages_each_with_a_symbol_package()
    {
        output.WriteLine($"dotnet pack of {feed.Version}: {feed.Pack.Elapsed.TotalSeconds:F0} s");
        foreach (string f in Directory.GetFiles(feed.Feed).Order(StringComparer.Ordinal))
        {
            output.WriteLine($"{Path.GetFileName(f)}: {new FileInfo(f).Length:N0} bytes");
        }

        string[] Names(string pattern) => [.. Directory.GetFiles(feed.Feed, pattern).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];
        string[] Expected(string extension) => [.. PackedFeed.PackageIds.Select(id => $"{id}.{feed.Version}{extension}").Order(StringComparer.Ordinal)];
        Assert.Equal(Expected(".nupkg"), Names("*.nupkg"));
        Assert.Equal(Expected(".snupkg"), Names("*.snupkg"));
    }

    [Theory]
    [InlineData("MLNetMixture.Training")]
    [InlineData("MLNetMixture.Reporting")]
    [InlineData("MLNetMixture.Transforms")]
    public void Library_package_has_its_assembly_xml_docs_readme_mit_licence_and_symbols(string id)
    {
        using var zip = ZipFile.OpenRead(feed.Package(id));
        var entries = Entries(zip);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        Assert.Contains("<member name=\"T:", Read(zip, $"lib/net10.0/{id}.xml"), StringComparison.Ordinal);
        AssertCommonMetadata(zip, id);

        using var symbols = ZipFile.OpenRead(feed.Package(id, ".snupkg"));
        Assert.Contains($"lib/net10.0/{id}.pdb", Entries(symbols));
    }

    [Fact]
    public void Library_packages_depend_on_each_other_at_the_packed_version_and_on_their_third_party_packages()
    {
        Assert.Equal(["Google.Protobuf", "System.Numerics.Tensors"], Dependencies("MLNetMixture.Training").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(feed.Version, Dependencies("MLNetMixture.Reporting")["MLNetMixture.Training"]);
        var transforms = Dependencies("MLNetMixture.Transforms");
        Assert.Equal(feed.Version, transforms["MLNetMixture.Training"]);
        Assert.Contains("Microsoft.ML.OnnxRuntime", transforms.Keys);
        Assert.Contains("Microsoft.ML", transforms.Keys);
        Assert.Contains("Microsoft.ML.OnnxTransformer", transforms.Keys);
        Assert.DoesNotContain("MLNetMixture.Reporting", transforms.Keys);
    }

    [Fact]
    public void Mlmix_package_is_a_dotnet_tool_carrying_onnx_runtime_for_every_desktop_platform()
    {
        using var zip = ZipFile.OpenRead(feed.Package("mlmix"));
        var entries = Entries(zip);
        const string Tool = "tools/net10.0/any/";
        Assert.Contains(Tool + "DotnetToolSettings.xml", entries);
        Assert.Contains(Tool + "mlmix.dll", entries);
        Assert.Contains(Tool + "mlmix.xml", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));

        var command = XDocument.Parse(Read(zip, Tool + "DotnetToolSettings.xml")).Descendants().Single(e => e.Name.LocalName == "Command");
        Assert.Equal("mlmix", (string?)command.Attribute("Name"));
        Assert.Equal("mlmix.dll", (string?)command.Attribute("EntryPoint"));

        var nuspec = Nuspec(zip);
        Assert.Equal("DotnetTool", (string?)Element(nuspec, "packageType")?.Attribute("name"));
        Assert.Null(Element(nuspec, "dependencies"));
        AssertCommonMetadata(zip, "mlmix");

        // RID-less outputs keep only the building machine's natives (Directory.Build.targets); the tool keeps every
        // desktop platform's, and nothing a .NET tool cannot load (Android/iOS archives, Windows import libraries).
        foreach (string native in new[] { "linux-x64/native/libonnxruntime.so", "linux-arm64/native/libonnxruntime.so", "win-x64/native/onnxruntime.dll", "win-arm64/native/onnxruntime.dll", "osx-arm64/native/libonnxruntime.dylib" })
        {
            Assert.Contains(Tool + "runtimes/" + native, entries);
        }

        Assert.DoesNotContain(entries, e => e.Contains("/runtimes/android", StringComparison.Ordinal) || e.Contains("/runtimes/ios", StringComparison.Ordinal) || e.EndsWith(".lib", StringComparison.Ordinal));

        using var symbols = ZipFile.OpenRead(feed.Package("mlmix", ".snupkg"));
        Assert.Contains(Tool + "mlmix.pdb", Entries(symbols));
    }

    [Fact]
    public void Consumer_app_restores_transforms_package_and_trains_saves_loads_and_evaluates_letter()
    {
        // A copy of tests/Consumer in a temporary folder (its files only: no bin/ or obj/), with a NuGet.config
        // that lists the packed feed and nuget.org, as a user's project would after `dotnet add package`.
        string app = feed.NewFolder("consumer");
        foreach (string file in Directory.GetFiles(Path.Combine(feed.RepositoryRoot, "tests", "Consumer")))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(app, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{SecurityElement.Escape(feed.Feed)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);

        var build = Dotnet.Cli(app, BuildTimeout, "build", "-c", "Release", $"-p:MLNetMixtureVersion={feed.Version}", "--disable-build-servers");
        output.WriteLine($"consumer build: {build.Elapsed.TotalSeconds:F0} s");
        Assert.True(build.ExitCode == 0, build.Describe());
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        // The ML.NET package brings the core with it; the reports and the tool are installed on their own.
        foreach (string id in PackedFeed.PackageIds.Where(id => id is not ("mlmix" or "MLNetMixture.Reporting")))
        {
            Assert.True(assets.Contains($"\"{id}/{feed.Version}\"", StringComparison.Ordinal), $"{id} {feed.Version} is not in the consumer's restore graph:\n{build.Describe()}");
        }

        string dll = Path.Combine(app, "bin", "Release", "net10.0", "Consumer.dll");
        var run = Dotnet.Cli(app, RunTimeout, dll, Path.Combine(feed.RepositoryRoot, "data"));
        output.WriteLine(run.Describe());
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.InRange(Accuracy(run, "micro accuracy"), 0.5, 1.0);
        Assert.InRange(Accuracy(run, "macro accuracy"), 0.5, 1.0);
        Assert.Equal(Accuracy(run, "micro accuracy"), Accuracy(run, "loaded model micro accuracy"));
    }

    [Fact]
    public void Mlmix_installs_with_dotnet_tool_install_and_prints_usage()
    {
        string tools = feed.NewFolder("tools");
        var install = Dotnet.Cli(feed.Root, BuildTimeout, "tool", "install", "--tool-path", tools, "--add-source", feed.Feed, "mlmix", "--version", feed.Version);
        output.WriteLine($"tool install: {install.Elapsed.TotalSeconds:F0} s");
        Assert.True(install.ExitCode == 0, install.Describe());

        string mlmix = Path.Combine(tools, OperatingSystem.IsWindows() ? "mlmix.exe" : "mlmix");
        Assert.True(File.Exists(mlmix), $"no {mlmix} after install:\n{install.Describe()}");
        var help = Dotnet.Run(mlmix, ["--help"], feed.Root, RunTimeout);
        Assert.True(help.ExitCode == 0, help.Describe());
        Assert.Contains("Usage:", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("mlmix [command] [options]", help.Stdout, StringComparison.Ordinal);
        foreach (string command in new[] { "moe", "flow", "export", "onnx", "bench", "demo" })
        {
            Assert.Matches(new Regex($@"^\s+{command}\s", RegexOptions.Multiline), help.Stdout);
        }
    }

    private void AssertCommonMetadata(ZipArchive zip, string id)
    {
        var nuspec = Nuspec(zip);
        Assert.Equal(id, Element(nuspec, "id")?.Value);
        Assert.Equal(feed.Version, Element(nuspec, "version")?.Value);
        var license = Element(nuspec, "license");
        Assert.Equal("expression", (string?)license?.Attribute("type"));
        Assert.Equal("MIT", license?.Value);
        Assert.Equal("README.md", Element(nuspec, "readme")?.Value);
        Assert.Equal("git", (string?)Element(nuspec, "repository")?.Attribute("type"));
        Assert.False(string.IsNullOrWhiteSpace(Element(nuspec, "authors")?.Value));
        Assert.False(string.IsNullOrWhiteSpace(Element(nuspec, "description")?.Value));
        Assert.Contains("mixture-of-experts", Element(nuspec, "tags")?.Value ?? "", StringComparison.Ordinal);

        // The package's own README, the one beside its project file.
        Assert.Contains("README.md", Entries(zip));
        Assert.StartsWith($"# {id}\n", Read(zip, "README.md").ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    private Dictionary<string, string> Dependencies(string id)
    {
        using var zip = ZipFile.OpenRead(feed.Package(id));
        return Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!, StringComparer.Ordinal);
    }

    private static double Accuracy(ProcessResult run, string label)
    {
        var match = Regex.Match(run.Stdout, $@"^{label} (\d+\.\d+)\r?$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no '{label}' line:\n{run.Describe()}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static List<string> Entries(ZipArchive zip) => [.. zip.Entries.Select(e => e.FullName)];

    private static string Read(ZipArchive zip, string entry)
    {
        using var reader = new StreamReader((zip.GetEntry(entry) ?? throw new InvalidOperationException($"no {entry}")).Open());
        return reader.ReadToEnd();
    }

    private static XElement Nuspec(ZipArchive zip)
    {
        var entry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!;
    }

    private static XElement? Element(XElement root, string localName) => root.Descendants().FirstOrDefault(e => e.Name.LocalName == localName);
}
