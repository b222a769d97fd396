using System.IO.Compression;

namespace MLNetMixture.Training.Data;

/// <summary>
/// Reads CSV files with a header row into a <see cref="FeatureTable"/>: comma-separated, optional double quotes,
/// <c>.csv.gz</c> read directly. Every malformed value is reported with file, row and column; a header that
/// repeats a column name, or a feature selection that takes a column twice, is rejected (a model's features must have
/// distinct names).
/// </summary>
public static class CsvFeatureReader
{
    /// <summary>Reads a file.</summary>
    /// <param name="path">A .csv or .csv.gz file.</param>
    /// <param name="features">
    /// The feature columns: null for every column except the label; otherwise comma-separated names, 0-based
    /// indices, or ranges of either (<c>px0..px63</c>, <c>0-15</c>, <c>f3..</c> meaning "to the last column").
    /// </param>
    /// <param name="label">The label column's name or 0-based index, or null for no labels.</param>
    public static FeatureTable Read(string path, string? features = null, string? label = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        }

        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        try
        {
            return Read(reader, path, features, label);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: cannot be decompressed ({e.Message}).", e);
        }
    }

    /// <summary>Reads CSV text; <paramref name="source"/> names it in error messages.</summary>
    public static FeatureTable Read(TextReader reader, string source, string? features = null, string? label = null)
    {
        var parser = new CsvRowParser(reader, source, features, label);
        var values = new List<float>(1024);
        var labels = parser.HasLabels ? new List<string>() : null;
        while (parser.ReadRow(values, out string? rowLabel))
        {
            labels?.Add(rowLabel!);
        }

        int rows = parser.FeatureNames.Count == 0 ? 0 : values.Count / parser.FeatureNames.Count;
        if (rows == 0)
        {
            throw new DataFormatException($"{source}: the file has a header but no data rows.");
        }

        return new FeatureTable(values.ToArray(), rows, parser.FeatureNames, labels, source);
    }
}
