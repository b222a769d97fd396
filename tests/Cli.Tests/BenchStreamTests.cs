using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Tests;

public sealed class BenchStreamTests
{
    [Fact]
    public void Bench_stream_scores_a_small_synthetic_file_in_several_batches_and_reports_rate_and_peak_memory()
    {
        string parent = Directory.CreateTempSubdirectory("mlmix-bench-stream-test-").FullName;
        try
        {
            var (code, stdout, stderr) = ProgramTests.Run("bench", "stream", "--rows", "3000", "--rows-per-batch", "1000", "--folder", parent, "--json");

            Assert.True(code == ExitCodes.Success, stderr);
            var result = JsonNode.Parse(stdout)!;
            Assert.Equal(3000, result["rows"]!.GetValue<long>());
            Assert.Equal(43, result["features"]!.GetValue<int>());
            Assert.True(result["rowsPerSecond"]!.GetValue<double>() > 0);
            Assert.True(result["peakResidentMiB"]!.GetValue<double>() > 0 || !OperatingSystem.IsLinux());
            Assert.Empty(Directory.GetFileSystemEntries(parent)); // the generated file and its folder are deleted
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
