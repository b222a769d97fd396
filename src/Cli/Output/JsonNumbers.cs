using System.Text.Json.Nodes;

namespace MLNetMixture.Cli.Output;

/// <summary>Numbers for JSON results: NaN and infinities (which JSON cannot hold) become null.</summary>
internal static class JsonNumbers
{
    /// <summary>The value as a JSON number, or null when it is not finite.</summary>
    public static JsonNode? Of(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>The values as a JSON array of numbers (non-finite values as null).</summary>
    public static JsonArray Array(IEnumerable<double> values) => new([.. values.Select(Of)]);
}
