using System.IO.Compression;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Data;

public sealed class CsvFeatureReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-csv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_features_and_string_labels_with_name_ranges()
    {
        var t = CsvFeatureReader.Read(new StringReader("a,b,c,kind\n1,2,3,cat\n4,5.5,-6e-1,\"dog, big\"\n"), "mem", features: "a..b", label: "kind");
        Assert.Equal(2, t.Rows);
        Assert.Equal(new[] { "a", "b" }, t.FeatureNames);
        Assert.Equal(new[] { 1f, 2f, 4f, 5.5f }, t.Features);
        Assert.Equal(new[] { "cat", "dog, big" }, t.Labels);
    }

    [Fact]
    public void Default_features_are_every_column_but_the_label_and_index_ranges_work()
    {
        var all = CsvFeatureReader.Read(new StringReader("x,y,label\n1,2,0\n"), "mem", label: "label");
        Assert.Equal(new[] { "x", "y" }, all.FeatureNames);
        var byIndex = CsvFeatureReader.Read(new StringReader("x,y,z,label\n1,2,3,0\n"), "mem", features: "1-2", label: "3");
        Assert.Equal(new[] { 2f, 3f }, byIndex.Features);
        var open = CsvFeatureReader.Read(new StringReader("x,y,z\n1,2,3\n"), "mem", features: "y..");
        Assert.Equal(new[] { "y", "z" }, open.FeatureNames);
    }

    [Fact]
    public void A_bad_number_names_file_row_and_column()
    {
        var e = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b,label\n1,2,0\n3,oops,1\n"), "train.csv", label: "label"));
        Assert.Equal("train.csv, row 3, column 'b' (2): expected a number, found 'oops'.", e.Message);
    }

    [Fact]
    public void Ragged_rows_unknown_columns_and_empty_files_are_reported()
    {
        var ragged = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b\n1,2\n3\n"), "f.csv"));
        Assert.Contains("row 3: expected 2 fields", ragged.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b\n1,2\n"), "f.csv", label: "y"));
        Assert.Contains("no label column named 'y'", unknown.Message, StringComparison.Ordinal);
        var overlap = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b\n1,2\n"), "f.csv", features: "a,b", label: "b"));
        Assert.Contains("also selected as a feature", overlap.Message, StringComparison.Ordinal);
        var empty = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader(string.Empty), "f.csv"));
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        var noRows = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b\n"), "f.csv"));
        Assert.Contains("no data rows", noRows.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_that_repeats_a_name_is_rejected_naming_the_file_the_name_and_its_columns()
    {
        var e = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("x0,x0,label\n1,2,a\n"), "twice.csv", label: "label"));
        Assert.Equal("twice.csv, row 1: the header repeats the column name 'x0' (columns 1, 2); expected every column to have its own name.", e.Message);
    }

    [Fact]
    public void A_feature_selection_that_takes_a_column_twice_is_rejected()
    {
        var e = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader("a,b\n1,2\n"), "f.csv", features: "a,0"));
        Assert.Contains("takes column 'a' (1) more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzipped_files_are_read_directly()
    {
        string path = Path.Combine(_dir, "d.csv.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz))
        {
            w.Write("f0,f1\n0.5,-1\n2,3\n");
        }

        var t = CsvFeatureReader.Read(path);
        Assert.Equal(new[] { 0.5f, -1f, 2f, 3f }, t.Features);
        Assert.Equal(path, t.Source);
    }

    [Fact]
    public void Shipped_datasets_load_with_expected_shapes()
    {
        string data = Path.Combine(RepositoryRoot(), "data");
        var letter = CsvFeatureReader.Read(Path.Combine(data, "letter_train.csv"), label: "label");
        Assert.Equal((16000, 16), (letter.Rows, letter.Columns));
        var mini = CsvFeatureReader.Read(Path.Combine(data, "miniboone_val.csv.gz"));
        Assert.Equal((3284, 43), (mini.Rows, mini.Columns));
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (MLNetMixture.sln) above " + AppContext.BaseDirectory);
    }
}
