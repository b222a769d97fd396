using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Benchmarks;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>How the <c>mlmix bench</c> tables print rates and name the machine, in the table and in the JSON result.</summary>
internal static class BenchReport
{
    /// <summary>The legend of the tables with training and inference rows (flow, MoE).</summary>
    public const string Legend = "Rates per second: training samples, inference rows; ORT = ONNX Runtime (CPU).";

    /// <summary>A count (threads, batch size) for a table cell.</summary>
    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A rate for a table cell, e.g. "77,123".</summary>
    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"12.3 (45%)": GFLOP/s and their share of <paramref name="cores"/> cores' peak (<see cref="MachineDescription.ReferencePeakGflopsPerCore"/>).</summary>
    /// <param name="gflops">The rate.</param>
    /// <param name="cores">Cores (threads) it used.</param>
    public static string Gflops(double gflops, int cores) =>
        string.Create(CultureInfo.InvariantCulture, $"{gflops:F1} ({MachineDescription.PercentOfPeak(gflops, cores):F0}%)");

    /// <summary>GFLOP/s for JSON, one decimal.</summary>
    /// <param name="gflops">The rate.</param>
    public static JsonNode GflopsJson(double gflops) => JsonValue.Create(Math.Round(gflops, 1));

    /// <summary>A ratio for a table cell, e.g. "1.23x".</summary>
    public static string Ratio(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture) + "x";

    /// <summary>A rate for the JSON result (one decimal).</summary>
    public static JsonNode RateJson(double perSecond) => JsonValue.Create(Math.Round(perSecond, 1));

    /// <summary>A ratio for the JSON result (three decimals).</summary>
    public static JsonNode RatioJson(double ratio) => JsonValue.Create(Math.Round(ratio, 3));

    /// <summary>The JSON result's common fields: the command, the machine and the settings.</summary>
    public static JsonObject Result(string command, BenchSettings settings) => new()
    {
        ["command"] = command,
        ["machine"] = new JsonObject
        {
            ["cores"] = MachineDescription.Cores,
            ["simd"] = MachineDescription.Simd,
            ["assumedPeakGflopsPerCore"] = Math.Round(MachineDescription.PeakGflopsPerCore, 1),
            ["measuredPeakGflopsPerCore"] = Math.Round(MachineDescription.MeasuredPeakGflopsPerCore, 1),
        },
        ["threads"] = new JsonArray([.. settings.Threads.Select(t => (JsonNode)t)]),
        ["seconds"] = settings.Seconds,
    };

    /// <summary>
    /// Prints the heading (what was measured), the table, the legend (what its columns mean) and the grey line naming
    /// the machine (cores, SIMD), the threads and how rates were measured: by default as
    /// <see cref="MeasurementPlan.ForSeconds"/> does, the same threads for ours and ONNX Runtime. Heading and legend
    /// are lines of their own rather than a table title and caption, which would wrap to the table's width.
    /// </summary>
    public static void Write(CliContext ctx, string? heading, Table table, string? legend, BenchSettings settings, string? measuring = null)
    {
        if (heading is not null)
        {
            ctx.Console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        }

        ctx.Console.Write(table);
        if (legend is not null)
        {
            ctx.Console.MarkupLine(Markup.Escape(legend));
        }

        string threads = string.Join(",", settings.Threads.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        measuring ??= string.Create(CultureInfo.InvariantCulture, $" (ours and ORT); {settings.Seconds:0.###} s per rate, best of 3");
        ctx.Console.MarkupLine($"[grey]{Markup.Escape($"{MachineDescription.PeakSummary}; threads {threads}{measuring}")}[/]");
    }
}
