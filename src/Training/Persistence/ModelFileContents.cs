using System.Text.Json.Nodes;

namespace MLNetMixture.Training.Persistence;

/// <summary>What a model file holds: its kind, the model's configuration as JSON, metadata and the weights.</summary>
/// <param name="Kind">The model kind, e.g. "MixtureDensityFlow".</param>
/// <param name="FormatVersion">The file format version it was written with.</param>
/// <param name="LibraryVersion">The MLNetMixture version that wrote it.</param>
/// <param name="Configuration">The model's own configuration (architecture, options, standardisation, labels).</param>
/// <param name="Tensors">The stored arrays, in file order.</param>
public sealed record ModelFileContents(
    string Kind,
    int FormatVersion,
    string LibraryVersion,
    JsonObject Configuration,
    IReadOnlyList<ModelFileTensor> Tensors)
{
    /// <summary>The tensor with the given name, or a <see cref="ModelFileException"/> naming what is missing.</summary>
    public ModelFileTensor Tensor(string name)
    {
        foreach (var t in Tensors)
        {
            if (t.Name == name)
            {
                return t;
            }
        }

        throw new ModelFileException($"The model file has no tensor named '{name}' (it has {Tensors.Count}: {string.Join(", ", Tensors.Take(8).Select(t => t.Name))}{(Tensors.Count > 8 ? ", ..." : string.Empty)}).");
    }
}
