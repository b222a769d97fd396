using System.Globalization;
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
        ArgumentNullException.ThrowIfNull(reader);
        string? headerLine = reader.ReadLine() ?? throw new DataFormatException($"{source}: the file is empty; expected a header row.");
        var header = SplitLine(headerLine, source, 1);
        if (header.Count == 0 || header.All(string.IsNullOrWhiteSpace))
        {
            throw new DataFormatException($"{source}, row 1: the header row is empty.");
        }

        RejectRepeatedNames(header, source);

        int labelIndex = label is null ? -1 : ResolveColumn(label, header, source, "label");
        int[] featureIndex = ResolveFeatures(features, header, labelIndex, source);
        var values = new List<float>(1024);
        var labels = label is null ? null : new List<string>();
        int row = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            row++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = SplitLine(line, source, row);
            if (fields.Count != header.Count)
            {
                throw new DataFormatException($"{source}, row {row}: expected {header.Count} fields (as in the header), found {fields.Count}.");
            }

            foreach (int c in featureIndex)
            {
                string text = fields[c].Trim();
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                {
                    throw new DataFormatException($"{source}, row {row}, column '{header[c]}' ({c + 1}): expected a number, found '{Truncate(text)}'.");
                }

                values.Add(v);
            }

            if (labels is not null)
            {
                string l = fields[labelIndex].Trim();
                if (l.Length == 0)
                {
                    throw new DataFormatException($"{source}, row {row}, column '{header[labelIndex]}' ({labelIndex + 1}): the label is empty.");
                }

                labels.Add(l);
            }
        }

        int rows = featureIndex.Length == 0 ? 0 : values.Count / featureIndex.Length;
        if (rows == 0)
        {
            throw new DataFormatException($"{source}: the file has a header but no data rows.");
        }

        return new FeatureTable(values.ToArray(), rows, featureIndex.Select(i => header[i]).ToArray(), labels, source);
    }

    private static int[] ResolveFeatures(string? spec, List<string> header, int labelIndex, string source)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            return Enumerable.Range(0, header.Count).Where(i => i != labelIndex).ToArray();
        }

        var result = new List<int>();
        foreach (string rawPart in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string part = rawPart;
            int sep = part.IndexOf("..", StringComparison.Ordinal);
            string? lo = null, hi = null;
            if (sep >= 0)
            {
                lo = part[..sep];
                hi = part[(sep + 2)..];
            }
            else if (part.Length > 1 && part.IndexOf('-', 1) is int dash and > 0 && int.TryParse(part[..dash], out _) && int.TryParse(part[(dash + 1)..], out _))
            {
                lo = part[..dash];
                hi = part[(dash + 1)..];
            }

            if (lo is null)
            {
                result.Add(ResolveColumn(part, header, source, "feature"));
                continue;
            }

            int a = lo.Length == 0 ? 0 : ResolveColumn(lo, header, source, "feature");
            int b = hi!.Length == 0 ? header.Count - 1 : ResolveColumn(hi, header, source, "feature");
            if (b < a)
            {
                throw new DataFormatException($"{source}: feature range '{part}' runs backwards (column {a + 1} to {b + 1}).");
            }

            for (int i = a; i <= b; i++)
            {
                result.Add(i);
            }
        }

        var repeated = result.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => $"'{header[g.Key]}' ({g.Key + 1})").ToList();
        if (repeated.Count > 0)
        {
            throw new DataFormatException($"{source}: the feature selection '{spec}' takes column {string.Join(", ", repeated)} more than once; select each column once.");
        }

        if (labelIndex >= 0 && result.Contains(labelIndex))
        {
            throw new DataFormatException($"{source}: the label column '{header[labelIndex]}' is also selected as a feature.");
        }

        if (result.Count == 0)
        {
            throw new DataFormatException($"{source}: no feature columns selected by '{spec}'.");
        }

        return [.. result];
    }

    /// <summary>Throws when two header fields name the same column: which column would "x0" mean?</summary>
    private static void RejectRepeatedNames(List<string> header, string source)
    {
        var repeats = header
            .Select((name, index) => (Name: name.Trim(), Column: index + 1))
            .GroupBy(c => c.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' (columns {string.Join(", ", g.Select(c => c.Column))})")
            .ToList();
        if (repeats.Count > 0)
        {
            throw new DataFormatException(
                $"{source}, row 1: the header repeats the column name{(repeats.Count > 1 ? "s" : string.Empty)} {string.Join("; ", repeats)}; expected every column to have its own name.");
        }
    }

    private static int ResolveColumn(string nameOrIndex, List<string> header, string source, string role)
    {
        string key = nameOrIndex.Trim();
        int byName = header.FindIndex(h => string.Equals(h.Trim(), key, StringComparison.Ordinal));
        if (byName >= 0)
        {
            return byName;
        }

        if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return index < header.Count
                ? index
                : throw new DataFormatException($"{source}: {role} column index {index} is out of range; the file has {header.Count} columns (0..{header.Count - 1}).");
        }

        throw new DataFormatException($"{source}: no {role} column named '{key}'. Columns: {string.Join(", ", header.Take(12))}{(header.Count > 12 ? ", ..." : string.Empty)}.");
    }

    private static List<string> SplitLine(string line, string source, int row)
    {
        var fields = new List<string>();
        int i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new DataFormatException($"{source}, row {row}: unterminated quoted field in column {fields.Count + 1}.");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(line[i++]);
                }

                fields.Add(sb.ToString());
                if (i < line.Length && line[i] != ',')
                {
                    throw new DataFormatException($"{source}, row {row}: unexpected text after a quoted field in column {fields.Count}.");
                }
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end]);
                i = end;
            }

            if (i >= line.Length)
            {
                break;
            }

            i++; // skip the comma
            if (i == line.Length)
            {
                fields.Add(string.Empty);
                break;
            }
        }

        return fields;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
