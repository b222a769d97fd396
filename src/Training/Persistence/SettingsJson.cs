using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MLNetMixture.Training.Persistence;

/// <summary>Settings records to and from the configuration of a <see cref="ModelFile"/>, through <see cref="SettingsJsonContext"/>.</summary>
internal static class SettingsJson
{
    /// <summary>The settings as a JSON node.</summary>
    public static JsonNode Write<T>(T settings, JsonTypeInfo<T> type) => JsonSerializer.SerializeToNode(settings, type)!;

    /// <summary>
    /// The settings stored under <paramref name="key"/> of <paramref name="configuration"/>, or null when there are
    /// none; a value that does not fit the contract throws a <see cref="ModelFileException"/> naming the file and the key.
    /// </summary>
    public static T? Read<T>(JsonObject configuration, string key, JsonTypeInfo<T> type, string source)
        where T : class
    {
        if (configuration[key] is not JsonNode node)
        {
            return null;
        }

        try
        {
            return node.Deserialize(type) ?? throw new ModelFileException($"'{source}' is corrupt: its '{key}' settings are null.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            string where = e is JsonException { Path: { Length: > 2 } path } ? $"{key}{path[1..]} = {ValueAt(node, path)}" : key;
            throw new ModelFileException($"'{source}' is corrupt or from a newer version: its settings cannot be read at {where} ({e.Message}).", e);
        }
    }

    /// <summary>The JSON text at a simple <c>$.a.b</c> path of <paramref name="node"/>, for messages.</summary>
    private static string ValueAt(JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (string name in path[2..].Split('.'))
        {
            current = current is JsonObject o ? o[name] : null;
        }

        return current?.ToJsonString() ?? "?";
    }
}
