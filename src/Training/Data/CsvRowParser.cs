using System.Globalization;

namespace MLNetMixture.Training.Data;

/// <summary>
/// The CSV rules shared by <see cref="CsvFeatureReader"/> (whole files) and <see cref="CsvFeatureBatchReader"/>
/// (batches): reads and checks the header (no repeated column names), resolves the feature and label selection, and
/// parses one data row at a time, reporting a malformed value with source, row and column.
/// </summary>
internal sealed class CsvRowParser
{
    private readonly TextReader _reader;
    private readonly List<string> _header;
    private readonly int[] _featureIndex;
    private readonly int _labelIndex;
    private int[] _fieldStarts = [];

    /// <summary>Reads and checks the header row of <paramref name="reader"/> and resolves the selection.</summary>
    /// <param name="reader">The CSV text, positioned at the header row.</param>
    /// <param name="source">The name of the text in error messages.</param>
    /// <param name="features">The feature selection (see <see cref="CsvFeatureReader.Read(string, string?, string?)"/>).</param>
    /// <param name="label">The label column's name or 0-based index, or null for no labels.</param>
    public CsvRowParser(TextReader reader, string source, string? features, string? label)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        Source = source;
        string headerLine = reader.ReadLine() ?? throw new DataFormatException($"{source}: the file is empty; expected a header row.");
        _header = SplitLine(headerLine, source, 1);
        if (_header.Count == 0 || _header.All(string.IsNullOrWhiteSpace))
        {
            throw new DataFormatException($"{source}, row 1: the header row is empty.");
        }

        RejectRepeatedNames(_header, source);
        _labelIndex = label is null ? -1 : ResolveColumn(label, _header, source, "label");
        _featureIndex = ResolveFeatures(features, _header, _labelIndex, source);
        FeatureNames = _featureIndex.Select(i => _header[i]).ToArray();
    }

    /// <summary>The name of the text in error messages.</summary>
    public string Source { get; }

    /// <summary>The selected feature columns' names, in selection order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Whether a label column was selected.</summary>
    public bool HasLabels => _labelIndex >= 0;

    /// <summary>The 1-based file row of the last row read (the header is row 1).</summary>
    public int Row { get; private set; } = 1;

    /// <summary>
    /// Reads the next non-empty row: appends its selected features to <paramref name="values"/> and returns its label
    /// (null without a label column) in <paramref name="label"/>. False at the end of the text.
    /// </summary>
    public bool ReadRow(List<float> values, out string? label)
    {
        string? line;
        do
        {
            line = _reader.ReadLine();
            if (line is null)
            {
                label = null;
                return false;
            }

            Row++;
        }
        while (line.Length == 0);

        if (!line.Contains('"', StringComparison.Ordinal))
        {
            label = ReadUnquotedRow(line, values);
            return true;
        }

        var fields = SplitLine(line, Source, Row);
        if (fields.Count != _header.Count)
        {
            throw new DataFormatException($"{Source}, row {Row}: expected {_header.Count} fields (as in the header), found {fields.Count}.");
        }

        foreach (int c in _featureIndex)
        {
            string text = fields[c].Trim();
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
            {
                throw new DataFormatException($"{Source}, row {Row}, column '{_header[c]}' ({c + 1}): expected a number, found '{Truncate(text)}'.");
            }

            values.Add(v);
        }

        label = null;
        if (_labelIndex >= 0)
        {
            label = fields[_labelIndex].Trim();
            if (label.Length == 0)
            {
                throw new DataFormatException($"{Source}, row {Row}, column '{_header[_labelIndex]}' ({_labelIndex + 1}): the label is empty.");
            }
        }

        return true;
    }

    /// <summary>
    /// The fast path of <see cref="ReadRow"/> for a line without quotes: the same fields, checks and messages as
    /// splitting it, parsed in place without a string per field.
    /// </summary>
    private string? ReadUnquotedRow(string line, List<float> values)
    {
        int count = _header.Count;
        if (_fieldStarts.Length != count + 1)
        {
            _fieldStarts = new int[count + 1];
        }

        // _fieldStarts[f] is where field f starts, so it ends at _fieldStarts[f + 1] - 1 (its comma, or the line's end).
        int fields = 0;
        for (int i = 0; ; fields++)
        {
            if (fields < count)
            {
                _fieldStarts[fields] = i;
            }

            int comma = line.IndexOf(',', i);
            if (comma < 0)
            {
                fields++;
                break;
            }

            i = comma + 1;
        }

        if (fields != count)
        {
            throw new DataFormatException($"{Source}, row {Row}: expected {count} fields (as in the header), found {fields}.");
        }

        _fieldStarts[count] = line.Length + 1;
        var text = line.AsSpan();
        foreach (int c in _featureIndex)
        {
            var field = text[_fieldStarts[c]..(_fieldStarts[c + 1] - 1)].Trim();
            if (!DecimalFloatParser.TryParse(field, out float v))
            {
                throw new DataFormatException($"{Source}, row {Row}, column '{_header[c]}' ({c + 1}): expected a number, found '{Truncate(field.ToString())}'.");
            }

            values.Add(v);
        }

        if (_labelIndex < 0)
        {
            return null;
        }

        string label = text[_fieldStarts[_labelIndex]..(_fieldStarts[_labelIndex + 1] - 1)].Trim().ToString();
        return label.Length > 0
            ? label
            : throw new DataFormatException($"{Source}, row {Row}, column '{_header[_labelIndex]}' ({_labelIndex + 1}): the label is empty.");
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
