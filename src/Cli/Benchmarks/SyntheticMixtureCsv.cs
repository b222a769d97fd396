using System.Globalization;
using System.Text;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>Synthetic data for the streaming benchmarks: a two-cluster Gaussian mixture with correlated features, as CSV.</summary>
public static class SyntheticMixtureCsv
{
    /// <summary>Features per synthetic row (as MiniBooNE's).</summary>
    public const int Features = 43;

    /// <summary>Writes a header (f0..f42) and <paramref name="rows"/> rows with 6 significant digits; the same seed gives the same file.</summary>
    /// <param name="path">The file to write (replaced).</param>
    /// <param name="rows">Data rows.</param>
    /// <param name="cancellation">Checked every 65,536 rows.</param>
    public static void Write(string path, long rows, CancellationToken cancellation)
    {
        var random = new Random(20_261_207);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        writer.WriteLine(string.Join(',', Enumerable.Range(0, Features).Select(i => "f" + i.ToString(CultureInfo.InvariantCulture))));
        Span<char> number = stackalloc char[32];
        for (long r = 0; r < rows; r++)
        {
            if ((r & 0xFFFF) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            double shift = random.Next(2) == 0 ? -1.5 : 1.5;
            double shared = Normal(random);
            for (int d = 0; d < Features; d++)
            {
                double value = shift + (0.6 * shared) + (0.8 * Normal(random)) + (0.05 * d);
                value.TryFormat(number, out int written, "G6", CultureInfo.InvariantCulture);
                if (d > 0)
                {
                    writer.Write(',');
                }

                writer.Write(number[..written]);
            }

            writer.Write('\n');
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
