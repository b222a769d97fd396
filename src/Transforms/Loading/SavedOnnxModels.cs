using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNetMixture.Transforms.Loading;

/// <summary>
/// The ONNX models inside an ML.NET model zip, by the folder of the transformer that saved them. ML.NET 6's
/// OnnxTransformer writes its model as the entry <c>&lt;folder&gt;/OnnxModel</c>: a 4-byte little-endian length, then
/// that many bytes of the ONNX model (BinaryWriter's byte-array framing). A TransformerChain saves its i-th
/// transformer in the sub-folder <c>Transform_{i:000}</c>, so the folder of every ONNX transformer follows from its
/// place in the loaded (possibly nested) chain; see <see cref="BatchedChainRewriter"/>.
/// </summary>
internal sealed class SavedOnnxModels
{
    /// <summary>The entry name ML.NET's OnnxTransformer saves its model under.</summary>
    public const string EntryName = "OnnxModel";

    private readonly Dictionary<string, byte[]> _models;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly string _source;

    private SavedOnnxModels(Dictionary<string, byte[]> models, string source)
    {
        _models = models;
        _source = source;
    }

    /// <summary>The folders holding an ONNX model, in the zip's order.</summary>
    public IReadOnlyCollection<string> Folders => _models.Keys;

    /// <summary>Reads every ONNX model of the zip in <paramref name="zip"/>, which is left open at an unspecified position.</summary>
    /// <param name="zip">The model zip.</param>
    /// <param name="source">What the zip is, for messages.</param>
    /// <exception cref="InvalidDataException">The stream is not a zip, or an OnnxModel entry is not framed as ML.NET 6 writes it.</exception>
    public static SavedOnnxModels Read(Stream zip, string source)
    {
        ArgumentNullException.ThrowIfNull(zip);
        var models = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source} is not an ML.NET model zip: {e.Message}", e);
        }

        using var disposeArchive = archive;
        foreach (var entry in archive.Entries)
        {
            string name = entry.FullName.Replace('\\', '/');
            if (name != EntryName && !name.EndsWith("/" + EntryName, StringComparison.Ordinal))
            {
                continue;
            }

            using var content = new MemoryStream();
            using (var entryStream = entry.Open())
            {
                entryStream.CopyTo(content);
            }

            var bytes = content.GetBuffer().AsSpan(0, (int)content.Length);
            long declared = bytes.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : -1;
            if (declared != bytes.Length - 4)
            {
                throw new InvalidDataException(
                    $"{source}: entry '{entry.FullName}' ({bytes.Length} bytes) does not start with the 4-byte length of the ONNX model that follows (found {declared}, expected {bytes.Length - 4}). "
                    + "LoadBatched reads the layout of ML.NET 6's OnnxTransformer; load this model with mlContext.Model.Load instead.");
            }

            models[name.Length == EntryName.Length ? string.Empty : name[..^(EntryName.Length + 1)]] = bytes[4..].ToArray();
        }

        return new SavedOnnxModels(models, source);
    }

    /// <summary>The ONNX model saved in <paramref name="folder"/> (e.g. TransformerChain/Transform_003/Transform_000), once.</summary>
    /// <exception cref="InvalidDataException">The zip has no ONNX model there.</exception>
    public byte[] Take(string folder)
    {
        if (!_models.TryGetValue(folder, out var model))
        {
            throw new InvalidDataException(
                $"{_source}: the loaded model has an ML.NET OnnxTransformer whose model should be the zip entry '{folder}/{EntryName}', which does not exist; "
                + $"the zip holds ONNX models at {Describe(_models.Keys)}. LoadBatched matches ONNX transformers to entries by their place in the saved TransformerChain; load this model with mlContext.Model.Load instead.");
        }

        _taken.Add(folder);
        return model;
    }

    /// <summary>Throws unless every ONNX model of the zip was taken by an ONNX transformer of the loaded model.</summary>
    /// <exception cref="InvalidDataException">Some ONNX model belongs to no ONNX transformer reached through TransformerChains.</exception>
    public void CheckAllTaken()
    {
        var left = _models.Keys.Where(f => !_taken.Contains(f)).ToArray();
        if (left.Length > 0)
        {
            throw new InvalidDataException(
                $"{_source}: the zip holds ONNX models at {Describe(left)} that belong to no ML.NET OnnxTransformer reachable through the loaded TransformerChains (LoadBatched replaces those only). "
                + "Load this model with mlContext.Model.Load instead.");
        }
    }

    private static string Describe(IEnumerable<string> folders)
    {
        var list = folders.Select(f => $"'{f}'").ToArray();
        return list.Length == 0 ? "no folder" : string.Join(", ", list);
    }
}
