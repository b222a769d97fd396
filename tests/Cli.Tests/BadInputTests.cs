namespace MLNetMixture.Cli.Tests;

public sealed class BadInputTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mlmix-bad-input-" + Guid.NewGuid().ToString("N"));

    public BadInputTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void A_malformed_value_exits_1_naming_file_row_and_column()
    {
        string csv = Path.Combine(_directory, "bad.csv");
        File.WriteAllLines(csv, ["a,b,label", "1,2,x", "3,4,y", "5,oops,x", "7,8,y"]);
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--model", Path.Combine(_directory, "m.mlmix"), "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(csv, stderr, StringComparison.Ordinal);
        Assert.Contains("row 4", stderr, StringComparison.Ordinal);
        Assert.Contains("column 'b'", stderr, StringComparison.Ordinal);
        Assert.Contains("oops", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "m.mlmix")));
    }

    [Fact]
    public void An_unknown_label_column_exits_1_listing_the_columns()
    {
        string csv = Path.Combine(_directory, "ok.csv");
        File.WriteAllLines(csv, ["a,b,label", "1,2,x", "3,4,y"]);
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--label", "target", "--model", Path.Combine(_directory, "m.mlmix"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("no label column named 'target'", stderr, StringComparison.Ordinal);
        Assert.Contains("a, b, label", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_training_file_exits_1()
    {
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", Path.Combine(_directory, "absent.csv"), "--model", Path.Combine(_directory, "m.mlmix"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("absent.csv", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_setting_exits_1_with_the_rule()
    {
        string csv = Path.Combine(_directory, "ok2.csv");
        File.WriteAllLines(csv, ["a,b,label", "1,2,x", "3,4,y"]);
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--experts", "0", "--model", Path.Combine(_directory, "m.mlmix"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Experts = 0 is invalid", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_with_a_repeated_column_name_exits_1_and_saves_no_model()
    {
        string csv = Path.Combine(_directory, "repeated.csv");
        File.WriteAllLines(csv, ["x0,x0,label", "1,2,a", "3,4,b", "5,6,a", "7,8,b"]);
        string model = Path.Combine(_directory, "repeated.mlmix");
        var (code, _, stderr) = ProgramTests.Run("moe", "fit", "--train", csv, "--model", model, "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(csv, stderr, StringComparison.Ordinal);
        Assert.Contains("repeats the column name 'x0'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(model));

        (code, _, stderr) = ProgramTests.Run("flow", "fit", "--train", csv, "--features", "0,1", "--model", model, "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("repeats the column name 'x0'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
