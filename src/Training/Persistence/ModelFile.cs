using System.Buffers.Binary;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetMixture.Training.Persistence;

/// <summary>
/// The versioned model file shared by every MLNetMixture model: a zip archive holding <c>header.json</c>
/// (format, version, kind, configuration, tensor table with a SHA-256 of the weights) and <c>weights.bin</c>
/// (little-endian float32 arrays back to back). Files are written to a temporary file and renamed, so a
/// crash never leaves a half-written model behind.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version this library writes; it reads this and every older version.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format marker stored in every header.</summary>
    public const string FormatName = "mlnetmixture-model";

    private const string HeaderEntry = "header.json";
    private const string WeightsEntry = "weights.bin";

    /// <summary>Writes a model file atomically.</summary>
    /// <param name="path">The destination; replaced if it exists.</param>
    /// <param name="kind">The model kind (checked on load).</param>
    /// <param name="configuration">The model's configuration as JSON.</param>
    /// <param name="tensors">The arrays to store; names must be unique.</param>
    public static void Save(string path, string kind, JsonObject configuration, IEnumerable<ModelFileTensor> tensors)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(tensors);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(stream, kind, configuration, tensors);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes a model file to a stream.</summary>
    public static void Write(Stream stream, string kind, JsonObject configuration, IEnumerable<ModelFileTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var table = new JsonArray();
        long offset = 0;
        using var weights = new MemoryStream();
        Span<byte> buf = stackalloc byte[4];
        foreach (var t in list)
        {
            if (!names.Add(t.Name))
            {
                throw new ArgumentException($"Duplicate tensor name '{t.Name}' in model file.", nameof(tensors));
            }

            long count = t.Shape.Aggregate(1L, (a, d) => a * d);
            if (count != t.Values.Length)
            {
                throw new ArgumentException($"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but {t.Values.Length} values.", nameof(tensors));
            }

            foreach (float v in t.Values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buf, v);
                weights.Write(buf);
            }

            table.Add(new JsonObject
            {
                ["name"] = t.Name,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["offset"] = offset,
                ["count"] = t.Values.Length,
            });
            offset += 4L * t.Values.Length;
        }

        byte[] weightBytes = weights.ToArray();
        var header = new JsonObject
        {
            ["format"] = FormatName,
            ["formatVersion"] = CurrentFormatVersion,
            ["kind"] = kind,
            ["libraryVersion"] = LibraryVersion,
            ["createdUtc"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["configuration"] = configuration.DeepClone(),
            ["tensors"] = table,
            ["weightsSha256"] = Convert.ToHexString(SHA256.HashData(weightBytes)),
        };

        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var h = zip.CreateEntry(HeaderEntry, CompressionLevel.Optimal);
        using (var hs = h.Open())
        {
            using var writer = new Utf8JsonWriter(hs, new JsonWriterOptions { Indented = true });
            header.WriteTo(writer);
        }

        var w = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest);
        using (var ws = w.Open())
        {
            ws.Write(weightBytes);
        }
    }

    /// <summary>Reads a model file, checking its format, version, kind and checksum.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedKind">The kind the caller can load, or null to accept any.</param>
    public static ModelFileContents Load(string path, string? expectedKind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, expectedKind, path);
    }

    /// <summary>Reads a model file from a stream; <paramref name="sourceName"/> is used in error messages.</summary>
    public static ModelFileContents Read(Stream stream, string? expectedKind, string sourceName = "model stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException($"'{sourceName}' is not an MLNetMixture model file: it is not a zip archive ({e.Message}).", e);
        }

        using (zip)
        {
            var headerEntry = zip.GetEntry(HeaderEntry) ?? throw new ModelFileException($"'{sourceName}' is not an MLNetMixture model file: it has no {HeaderEntry}.");
            var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw new ModelFileException($"'{sourceName}' is corrupt: it has no {WeightsEntry}.");
            JsonObject header;
            try
            {
                using var hs = headerEntry.Open();
                header = JsonNode.Parse(hs) as JsonObject ?? throw new ModelFileException($"'{sourceName}': {HeaderEntry} is not a JSON object.");
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new ModelFileException($"'{sourceName}' is corrupt: {HeaderEntry} cannot be parsed ({e.Message}).", e);
            }

            string format = Str(header, "format", sourceName);
            if (format != FormatName)
            {
                throw new ModelFileException($"'{sourceName}' is not an MLNetMixture model file: format is '{format}', expected '{FormatName}'.");
            }

            int version = Int(header, "formatVersion", sourceName);
            string libraryVersion = header["libraryVersion"]?.GetValue<string>() ?? "unknown";
            if (version > CurrentFormatVersion)
            {
                throw new ModelFileException($"'{sourceName}' was written by MLNetMixture {libraryVersion} in model format version {version}; this version ({LibraryVersion}) reads format versions up to {CurrentFormatVersion}. Upgrade MLNetMixture to load it.");
            }

            if (version < 1)
            {
                throw new ModelFileException($"'{sourceName}' has an invalid format version {version}.");
            }

            string kind = Str(header, "kind", sourceName);
            if (expectedKind is not null && kind != expectedKind)
            {
                throw new ModelFileException($"'{sourceName}' holds a {kind} model, not a {expectedKind}.");
            }

            byte[] weights;
            try
            {
                using var ws = weightsEntry.Open();
                using var ms = new MemoryStream();
                ws.CopyTo(ms);
                weights = ms.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new ModelFileException($"'{sourceName}' is corrupt: {WeightsEntry} cannot be decompressed ({e.Message}).", e);
            }

            string expectedHash = Str(header, "weightsSha256", sourceName);
            string actualHash = Convert.ToHexString(SHA256.HashData(weights));
            if (!string.Equals(expectedHash, actualHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelFileException($"'{sourceName}' is corrupt: the weights' SHA-256 is {actualHash[..12]}..., the header says {expectedHash[..Math.Min(12, expectedHash.Length)]}....");
            }

            var tensors = new List<ModelFileTensor>();
            if (header["tensors"] is not JsonArray table)
            {
                throw new ModelFileException($"'{sourceName}' is corrupt: the header has no tensor table.");
            }

            foreach (var node in table)
            {
                if (node is not JsonObject entry)
                {
                    throw new ModelFileException($"'{sourceName}' is corrupt: a tensor table entry is not an object.");
                }

                string name = Str(entry, "name", sourceName);
                int[] shape = (entry["shape"] as JsonArray)?.Select(d => d!.GetValue<int>()).ToArray()
                    ?? throw new ModelFileException($"'{sourceName}' is corrupt: tensor '{name}' has no shape.");
                long offset = entry["offset"]?.GetValue<long>() ?? throw new ModelFileException($"'{sourceName}' is corrupt: tensor '{name}' has no offset.");
                int count = Int(entry, "count", sourceName);
                if (shape.Aggregate(1L, (a, d) => a * d) != count || offset < 0 || offset + (4L * count) > weights.Length)
                {
                    throw new ModelFileException($"'{sourceName}' is corrupt: tensor '{name}' [{string.Join(", ", shape)}] at byte {offset} does not fit the {weights.Length}-byte weights.");
                }

                var values = new float[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(weights.AsSpan((int)offset + (4 * i), 4));
                }

                tensors.Add(new ModelFileTensor(name, shape, values));
            }

            var configuration = header["configuration"] as JsonObject ?? [];
            return new ModelFileContents(kind, version, libraryVersion, (JsonObject)configuration.DeepClone(), tensors);
        }
    }

    /// <summary>The version of this library, as stored in model files.</summary>
    public static string LibraryVersion { get; } =
        typeof(ModelFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static string Str(JsonObject o, string key, string source)
    {
        try
        {
            return o[key]?.GetValue<string>() ?? throw new ModelFileException($"'{source}' is corrupt: the header has no '{key}'.");
        }
        catch (InvalidOperationException e)
        {
            throw new ModelFileException($"'{source}' is corrupt: '{key}' is not a string.", e);
        }
    }

    private static int Int(JsonObject o, string key, string source)
    {
        try
        {
            return o[key]?.GetValue<int>() ?? throw new ModelFileException($"'{source}' is corrupt: the header has no '{key}'.");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ModelFileException($"'{source}' is corrupt: '{key}' is not an integer.", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
