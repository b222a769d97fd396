using System.Globalization;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Streaming;

/// <summary>Writes tables to CSV files that read back to the very same floats, and removes them afterwards.</summary>
internal sealed class StreamedTrainingData : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlmix-stream-").FullName;

    /// <summary>Writes <paramref name="table"/> (features, then its label column "label" when it has labels) as a CSV file.</summary>
    public string WriteCsv(FeatureTable table, string name)
    {
        string path = Path.Combine(_folder, name);
        using var writer = new StreamWriter(path);
        var header = table.FeatureNames.ToList();
        if (table.Labels is not null)
        {
            header.Add("label");
        }

        writer.WriteLine(string.Join(',', header));
        for (int r = 0; r < table.Rows; r++)
        {
            var fields = new List<string>();
            foreach (float v in table.Row(r))
            {
                fields.Add(v.ToString("R", CultureInfo.InvariantCulture));
            }

            if (table.Labels is not null)
            {
                fields.Add(table.Labels[r]);
            }

            writer.WriteLine(string.Join(',', fields));
        }

        return path;
    }

    /// <summary>Writes CSV text as given.</summary>
    public string WriteText(string text, string name)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
