namespace MLNetMixture.Cli.Tests;

/// <summary>A temporary folder with small slices of the digits data and one tiny model trained by <c>mlmix moe fit</c>, shared by a test class.</summary>
public sealed class TrainedMixtureOfExpertsFixture : IDisposable
{
    public TrainedMixtureOfExpertsFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mlmix-cli-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        TrainPath = Path.Combine(Directory, "digits_train_slice.csv");
        TestPath = Path.Combine(Directory, "digits_test_slice.csv");
        File.WriteAllLines(TrainPath, File.ReadLines(DataFile("digits_train.csv")).Take(301));
        File.WriteAllLines(TestPath, File.ReadLines(DataFile("digits_test.csv")).Take(61));
        ModelPath = Path.Combine(Directory, "digits.mlmix");
        ReportPath = Path.Combine(Directory, "report", "digits.html");
        (FitCode, FitStdout, FitStderr) = ProgramTests.Run(
            "moe", "fit", "--train", TrainPath, "--validation", TestPath, "--experts", "3", "--epochs", "4", "--batch-size", "64",
            "--threads", "1", "--model", ModelPath, "--report", ReportPath, "--json");
    }

    public string Directory { get; }

    public string TrainPath { get; }

    public string TestPath { get; }

    public string ModelPath { get; }

    public string ReportPath { get; }

    public int FitCode { get; }

    public string FitStdout { get; }

    public string FitStderr { get; }

    public string PathFor(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A file of the repository's data folder, found by walking up from the test binaries.</summary>
    public static string DataFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"data/{name} not found above {AppContext.BaseDirectory}.");
    }
}
