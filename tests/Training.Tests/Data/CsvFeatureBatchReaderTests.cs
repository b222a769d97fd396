using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Data;

public sealed class CsvFeatureBatchReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(3284)]
    [InlineData(100_000)]
    public void Batches_of_a_shipped_file_concatenate_to_the_whole_file_read(int batchSize)
    {
        string path = Path.Combine(CsvFeatureReaderTests.RepositoryRoot(), "data", "letter_train.csv");
        var whole = CsvFeatureReader.Read(path, label: "label");
        using var reader = CsvFeatureBatchReader.Open(path, label: "label", batchSize: batchSize);

        var batches = reader.ReadBatches().ToList();

        Assert.Equal((16000 + batchSize - 1) / batchSize, batches.Count);
        Assert.Equal(batches.Count, reader.BatchesRead);
        Assert.Equal(16000, reader.RowsRead);
        Assert.All(batches.SkipLast(1), b => Assert.Equal(batchSize, b.Rows));
        Assert.All(batches, b => Assert.Equal(whole.FeatureNames, b.FeatureNames));
        Assert.Equal(whole.Features, batches.SelectMany(b => b.Features));
        Assert.Equal(whole.Labels, batches.SelectMany(b => b.Labels!));
        Assert.Null(reader.ReadBatch());
    }

    [Fact]
    public void A_gzipped_file_streams_in_batches()
    {
        string path = Path.Combine(CsvFeatureReaderTests.RepositoryRoot(), "data", "miniboone_val.csv.gz");
        using var reader = CsvFeatureBatchReader.Open(path, batchSize: 1000);

        Assert.Equal([1000, 1000, 1000, 284], reader.ReadBatches().Select(b => b.Rows));
        Assert.Equal(43, reader.FeatureNames.Count);
    }

    [Fact]
    public void A_bad_value_in_a_later_batch_names_its_file_row_and_column_as_the_whole_file_reader_does()
    {
        const string Text = "a,b,label\n1,2,0\n3,4,1\n\n5,oops,1\n";
        var whole = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader(Text), "train.csv", label: "label"));
        using var reader = CsvFeatureBatchReader.Open(new StringReader(Text), "train.csv", label: "label", batchSize: 2);

        Assert.Equal(2, reader.ReadBatch()!.Rows);
        var streamed = Assert.Throws<DataFormatException>(() => reader.ReadBatch());

        Assert.Equal("train.csv, row 5, column 'b' (2): expected a number, found 'oops'.", streamed.Message);
        Assert.Equal(whole.Message, streamed.Message);
    }

    [Theory]
    [InlineData("x,y,x\n1,2,3\n", "mem, row 1: the header repeats the column name 'x' (columns 1, 3); expected every column to have its own name.")]
    [InlineData("x,y\n", "mem: the file has a header but no data rows.")]
    [InlineData("x,y\n1,2\n3\n", "mem, row 3: expected 2 fields (as in the header), found 1.")]
    public void Header_and_row_errors_match_the_whole_file_reader(string text, string message)
    {
        var whole = Assert.Throws<DataFormatException>(() => CsvFeatureReader.Read(new StringReader(text), "mem"));
        var streamed = Assert.Throws<DataFormatException>(() =>
        {
            using var reader = CsvFeatureBatchReader.Open(new StringReader(text), "mem", batchSize: 1);
            while (reader.ReadBatch() is not null)
            {
            }
        });

        Assert.Equal(message, whole.Message);
        Assert.Equal(message, streamed.Message);
    }
}
