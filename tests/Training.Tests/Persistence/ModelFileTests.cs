using System.IO.Compression;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Persistence;

namespace MLNetMixture.Training.Tests.Persistence;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-modelfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Round_trip_preserves_configuration_and_bit_exact_weights()
    {
        string path = Path.Combine(_dir, "m.mlmix");
        float[] w = [1.5f, -0f, float.Epsilon, 3.4e38f, -1e-30f, 0.1f];
        ModelFile.Save(path, "TestModel", new JsonObject { ["layers"] = 3, ["name"] = "x" }, [new ModelFileTensor("w", [2, 3], w), new ModelFileTensor("b", [0], [])]);

        var loaded = ModelFile.Load(path, "TestModel");

        Assert.Equal("TestModel", loaded.Kind);
        Assert.Equal(ModelFile.CurrentFormatVersion, loaded.FormatVersion);
        Assert.Equal(3, loaded.Configuration["layers"]!.GetValue<int>());
        Assert.Equal(new[] { 2, 3 }, loaded.Tensor("w").Shape);
        Assert.Equal(w.Select(BitConverter.SingleToInt32Bits), loaded.Tensor("w").Values.Select(BitConverter.SingleToInt32Bits));
        Assert.Empty(loaded.Tensor("b").Values);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void A_file_from_a_newer_format_fails_with_an_upgrade_message()
    {
        string path = Path.Combine(_dir, "new.mlmix");
        ModelFile.Save(path, "TestModel", [], [new ModelFileTensor("w", [1], [1f])]);
        RewriteHeader(path, h => h["formatVersion"] = ModelFile.CurrentFormatVersion + 1);

        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path, "TestModel"));
        Assert.Contains($"format version {ModelFile.CurrentFormatVersion + 1}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Altered_weights_fail_the_checksum()
    {
        string path = Path.Combine(_dir, "c.mlmix");
        ModelFile.Save(path, "TestModel", [], [new ModelFileTensor("w", [2], [1f, 2f])]);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("weights.bin")!;
            byte[] bytes;
            using (var s = entry.Open())
            using (var ms = new MemoryStream())
            {
                s.CopyTo(ms);
                bytes = ms.ToArray();
            }

            bytes[0] ^= 0x40;
            entry.Delete();
            using var ws = zip.CreateEntry("weights.bin").Open();
            ws.Write(bytes);
        }

        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path, "TestModel"));
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_or_foreign_files_fail_clearly()
    {
        string path = Path.Combine(_dir, "t.mlmix");
        ModelFile.Save(path, "TestModel", [], [new ModelFileTensor("w", [1000], new float[1000])]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path, null));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);

        string text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "hello");
        var e2 = Assert.Throws<ModelFileException>(() => ModelFile.Load(text, null));
        Assert.Contains("not a zip archive", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_kind_and_missing_tensor_are_named()
    {
        string path = Path.Combine(_dir, "k.mlmix");
        ModelFile.Save(path, "MixtureOfExperts", [], [new ModelFileTensor("gate.weight", [1], [1f])]);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path, "MixtureDensityFlow"));
        Assert.Contains("holds a MixtureOfExperts model, not a MixtureDensityFlow", e.Message, StringComparison.Ordinal);

        var contents = ModelFile.Load(path, null);
        var e2 = Assert.Throws<ModelFileException>(() => contents.Tensor("expert.weight"));
        Assert.Contains("no tensor named 'expert.weight'", e2.Message, StringComparison.Ordinal);
    }

    private static void RewriteHeader(string path, Action<JsonObject> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("header.json")!;
        JsonObject header;
        using (var s = entry.Open())
        {
            header = (JsonObject)JsonNode.Parse(s)!;
        }

        edit(header);
        entry.Delete();
        using var ws = zip.CreateEntry("header.json").Open();
        using var writer = new System.Text.Json.Utf8JsonWriter(ws);
        header.WriteTo(writer);
    }
}
