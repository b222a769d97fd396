using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// The JSON result line of a PyTorch reference script run with <c>--json</c> (benchmarks/reference/reference_env.py,
/// <c>result()</c>): what it ran on and its best rates per thread count.
/// </summary>
/// <param name="Json">The whole object, as printed.</param>
/// <param name="Rates">The best training and inference rates per thread count, in the script's order.</param>
internal sealed record ReferenceFigures(JsonObject Json, IReadOnlyList<ThreadRates> Rates)
{
    /// <summary>The torch version.</summary>
    public string Torch => Text("torch") ?? "?";

    /// <summary>
    /// One line naming what the reference ran on: torch, the OpenBLAS kernel (or the BLAS library when OpenBLAS
    /// reports none), the CPU, its SIMD width and the assumed fp32 peak per core, and the load average before it ran.
    /// </summary>
    public string Summary
    {
        get
        {
            string kernel = Text("openblasKernel") is { } k
                ? $"OpenBLAS kernel {k}"
                : "BLAS " + string.Join(", ", Json["blas"] is JsonArray libs ? libs.Select(l => l?.ToString()) : ["?"]);
            string simd = Json["simdBits"] is JsonValue bits ? bits.ToString() + "-bit" : "?";
            string peak = Json["assumedPeakGflopsPerCore"] is JsonValue p && p.TryGetValue(out double g)
                ? g.ToString("F0", CultureInfo.InvariantCulture) + " GFLOP/s per core"
                : "? GFLOP/s per core";
            string load = Json["loadAverage"] is JsonArray l && l.Count > 0 ? string.Join(" ", l.Select(v => v?.ToString())) : "?";
            string unpinned = Text("unpinned") is { } u ? $"; unset for the reference: {u}" : string.Empty;
            return $"PyTorch {Torch}: {kernel}; CPU {Text("cpu") ?? "?"}, SIMD {simd}, assumed peak {peak}; load before it ran {load}{unpinned}";
        }
    }

    /// <summary>
    /// Reads the last non-empty line of <paramref name="stdout"/>; null when it is not such an object (not JSON, or
    /// without <c>perThreads</c> entries holding both rates).
    /// </summary>
    public static ReferenceFigures? Parse(string stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        string? last = stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (last is null || !last.StartsWith('{'))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(last) is not JsonObject json || json["perThreads"] is not JsonArray perThreads || perThreads.Count == 0)
            {
                return null;
            }

            var rates = new List<ThreadRates>(perThreads.Count);
            foreach (var entry in perThreads)
            {
                var training = entry?["training"];
                var inference = entry?["inference"];
                if (entry?["threads"] is not JsonValue threads || training?["samplesPerSecond"] is not JsonValue train || inference?["rowsPerSecond"] is not JsonValue infer)
                {
                    return null;
                }

                rates.Add(new ThreadRates(
                    threads.GetValue<int>(),
                    train.GetValue<double>(),
                    training["variant"]?.ToString() ?? string.Empty,
                    infer.GetValue<double>(),
                    inference["variant"]?.ToString() ?? string.Empty));
            }

            return new ReferenceFigures(json, rates);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private string? Text(string name) => Json[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
