using System.IO.Compression;

namespace MLNetMixture.Training.Data;

/// <summary>
/// Reads a CSV file (or <c>.csv.gz</c>) in batches of at most <see cref="BatchSize"/> rows, so that a file larger
/// than memory is processed with memory proportional to one batch. The header, the feature and label selection and
/// every value are checked by the same rules and with the same messages (file, row, column) as
/// <see cref="CsvFeatureReader"/>; rows keep their file row numbers in errors whichever batch they fall in.
/// </summary>
public sealed class CsvFeatureBatchReader : IDisposable
{
    /// <summary>The default <see cref="BatchSize"/>: 65,536 rows.</summary>
    public const int DefaultBatchSize = 65_536;

    private readonly TextReader _reader;
    private readonly CsvRowParser _parser;
    private readonly List<float> _values = [];
    private bool _ended;

    private CsvFeatureBatchReader(TextReader reader, string source, string? features, string? label, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _reader = reader;
        BatchSize = batchSize;
        _parser = new CsvRowParser(reader, source, features, label);
    }

    /// <summary>The most rows one batch holds.</summary>
    public int BatchSize { get; }

    /// <summary>The selected feature columns' names, in selection order.</summary>
    public IReadOnlyList<string> FeatureNames => _parser.FeatureNames;

    /// <summary>The name of the data in error messages and in each batch's <see cref="FeatureTable.Source"/>.</summary>
    public string Source => _parser.Source;

    /// <summary>Data rows read so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Batches returned so far.</summary>
    public int BatchesRead { get; private set; }

    /// <summary>Opens a file and reads its header.</summary>
    /// <param name="path">A .csv or .csv.gz file.</param>
    /// <param name="features">The feature columns, as for <see cref="CsvFeatureReader.Read(string, string?, string?)"/>.</param>
    /// <param name="label">The label column's name or 0-based index, or null for no labels.</param>
    /// <param name="batchSize">The most rows per batch; at least 1.</param>
    public static CsvFeatureBatchReader Open(string path, string? features = null, string? label = null, int batchSize = DefaultBatchSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        }

        var file = File.OpenRead(path);
        try
        {
            Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var reader = new StreamReader(stream, bufferSize: 1 << 16);
            try
            {
                return Decompressing(path, () => new CsvFeatureBatchReader(reader, path, features, label, batchSize));
            }
            catch
            {
                reader.Dispose();
                throw;
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads CSV text in batches; <paramref name="source"/> names it in error messages. The reader is disposed with this one.</summary>
    public static CsvFeatureBatchReader Open(TextReader reader, string source, string? features = null, string? label = null, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new CsvFeatureBatchReader(reader, source, features, label, batchSize);
    }

    /// <summary>
    /// The next batch of up to <see cref="BatchSize"/> rows, or null after the last. A file with a header and no data
    /// rows fails on the first call, as <see cref="CsvFeatureReader"/> does.
    /// </summary>
    public FeatureTable? ReadBatch()
    {
        if (_ended)
        {
            return null;
        }

        _values.Clear();
        var labels = _parser.HasLabels ? new List<string>() : null;
        int rows = 0;
        Decompressing(Source, () =>
        {
            while (rows < BatchSize && _parser.ReadRow(_values, out string? label))
            {
                labels?.Add(label!);
                rows++;
            }

            return rows;
        });
        if (rows < BatchSize)
        {
            _ended = true;
        }

        if (rows == 0 || FeatureNames.Count == 0)
        {
            if (RowsRead == 0)
            {
                throw new DataFormatException($"{Source}: the file has a header but no data rows.");
            }

            return null;
        }

        RowsRead += rows;
        BatchesRead++;
        return new FeatureTable(_values.ToArray(), rows, FeatureNames, labels, Source);
    }

    /// <summary>The remaining batches, read one at a time as the sequence is enumerated.</summary>
    public IEnumerable<FeatureTable> ReadBatches()
    {
        while (ReadBatch() is { } batch)
        {
            yield return batch;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();

    private static T Decompressing<T>(string source, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{source}: cannot be decompressed ({e.Message}).", e);
        }
    }
}
