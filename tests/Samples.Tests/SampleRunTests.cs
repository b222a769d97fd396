using System.Diagnostics;

namespace MLNetMixture.Samples.Tests;

/// <summary>Runs every sample program in its short mode, as a user would, and checks what it prints.</summary>
public sealed class SampleRunTests
{
    [Fact]
    public void QuickStart_trains_both_models_and_saves_them()
    {
        var (code, output, dir) = RunSample("QuickStart", "--quick", DataDirectory());
        Assert.True(code == 0, output);
        Assert.Contains("digits: test accuracy", output, StringComparison.Ordinal);
        Assert.Contains("miniboone: validation log-likelihood", output, StringComparison.Ordinal);
        Assert.Contains("  digits epoch 1/3", output, StringComparison.Ordinal); // progress while it trains
        Assert.Contains("  miniboone epoch 1/2", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "digits.mlmix")));
        Assert.True(File.Exists(Path.Combine(dir, "miniboone.mlmix")));
    }

    [Fact]
    public void OnnxScoring_falls_back_to_cpu_when_cuda_is_requested_without_a_gpu()
    {
        var (code, output, _) = RunSample("OnnxScoring", "--quick", "--device", "cuda:0", DataDirectory());
        Assert.True(code == 0, output);
        Assert.Contains("rows/s", output, StringComparison.Ordinal);
        Assert.Contains("ExecutionProvider", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportGallery_writes_an_html_report()
    {
        string dir = Directory.CreateTempSubdirectory("mlmix-sample-").FullName;
        string html = Path.Combine(dir, "gallery.html");
        var (code, output, _) = RunSample("ReportGallery", html);
        Assert.True(code == 0, output);
        Assert.Contains("<svg", File.ReadAllText(html), StringComparison.Ordinal);
    }

    [Fact]
    public void ExpertsSatellite_compares_the_three_objectives_and_the_single_expert_control()
    {
        var (code, output, _) = RunSample("ExpertsSatellite", "--quick", DataDirectory());
        Assert.True(code == 0, output);
        foreach (var objective in new[] { "Marginal", "GumbelSoftmax", "StraightThrough" })
        {
            Assert.Contains(objective, output, StringComparison.Ordinal);
        }

        Assert.Contains("Marginal, K = 8: epoch 1/2", output, StringComparison.Ordinal); // progress while it trains

        // One result row (with a percentage) per configuration: three objectives with 8 experts, and K = 1.
        Assert.Equal(4, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains('%', StringComparison.Ordinal)));
    }

    [Fact]
    public void FlowsToys_fits_both_bases_reports_kl_and_writes_reports()
    {
        var (code, output, dir) = RunSample("FlowsToys", "--quick", "out");
        Assert.True(code == 0, output);
        Assert.Contains("EightGaussians", output, StringComparison.Ordinal);
        Assert.Contains("EightGaussians, K = 8: epoch 1/2", output, StringComparison.Ordinal); // progress while it trains

        // One page compares the two bases.
        string html = File.ReadAllText(Path.Combine(dir, "out", "EightGaussians.html"));
        Assert.Contains("K = 1: Density", html, StringComparison.Ordinal);
        Assert.Contains("K = 8: Density", html, StringComparison.Ordinal);
        Assert.Contains("Comparison", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ReverseKlEnergies_prints_elbo_and_log_z_for_u1()
    {
        var (code, output, _) = RunSample("ReverseKlEnergies", "--quick");
        Assert.True(code == 0, output);
        var row = output.Split('\n').Single(l => l.StartsWith("U1", StringComparison.Ordinal));
        var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, fields.Length);
        Assert.True(double.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out double logZ) && Math.Abs(logZ - 1.8775) < 0.01, row);
        Assert.True(double.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out double elbo) && elbo <= logZ + 0.05, row);
    }

    /// <summary>Runs sample <paramref name="name"/> in a new folder (with a link to the repository's data/ when asked).</summary>
    internal static (int Code, string Output, string Directory) RunSample(string name, params string[] args) => RunSample(name, workingDirectoryWithData: false, args);

    /// <summary>Runs sample <paramref name="name"/> in a new folder, with a link to the repository's data/ when asked.</summary>
    internal static (int Code, string Output, string Directory) RunSample(string name, bool workingDirectoryWithData, params string[] args)
    {
        string dir = Directory.CreateTempSubdirectory("mlmix-sample-").FullName;
        if (workingDirectoryWithData)
        {
            Directory.CreateSymbolicLink(Path.Combine(dir, "data"), DataDirectory());
        }

        var (code, output) = Run(dir, [Path.Combine(AppContext.BaseDirectory, name + ".dll"), .. args]);
        return (code, output, dir);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="dir"/>; stdout and stderr together.</summary>
    internal static (int Code, string Output) Run(string dir, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The repository root (the folder with MLNetMixture.sln).</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }

    private static string DataDirectory() => Path.Combine(RepositoryRoot(), "data");
}
