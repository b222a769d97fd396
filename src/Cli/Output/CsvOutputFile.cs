using System.Globalization;
using System.Text;

namespace MLNetMixture.Cli.Output;

/// <summary>
/// Writes a CSV file atomically: rows go to a temporary file next to the destination, which is renamed over it only
/// once complete, so an interrupted run never leaves a half-written file where a finished one is expected.
/// </summary>
internal static class CsvOutputFile
{
    /// <summary>Writes a header and rows; fields with commas, quotes or line breaks are quoted.</summary>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, CancellationToken cancellationToken = default)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new UsageException($"'{path}' has no parent folder.");
        Directory.CreateDirectory(directory);

        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false)))
            {
                writer.NewLine = "\n";
                WriteLine(writer, header);
                foreach (var row in rows)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    WriteLine(writer, row);
                }
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>A float formatted so that it reads back as the same float32.</summary>
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A double formatted so that it reads back as the same double.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteLine(StreamWriter writer, IReadOnlyList<string> fields)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            string field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                writer.Write('"');
                writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
                writer.Write('"');
            }
            else
            {
                writer.Write(field);
            }
        }

        writer.WriteLine();
    }
}
