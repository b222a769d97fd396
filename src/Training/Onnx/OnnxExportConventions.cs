using System.Text;
using System.Text.Json;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;

namespace MLNetMixture.Training.Onnx;

/// <summary>
/// What every MLNetMixture model export shares, whatever the model: the raw-features input with in-graph
/// standardisation, validation of names and standardisers, and the common metadata (producer, library version,
/// model kind, feature names, standardisation). Model exporters add their own graph body, outputs and keys.
/// </summary>
internal static class OnnxExportConventions
{
    /// <summary>The name of the raw-features input, float32 [N, D].</summary>
    public const string FeaturesInput = "Features";

    /// <summary>
    /// Declares the features input <paramref name="inputName"/> [N, <paramref name="dimension"/>] and returns the
    /// features the model sees: standardised in the graph by <see cref="Flows.ElementwiseAffineLayer.Map"/>, or as they are.
    /// </summary>
    public static Var ModelFeatures(OnnxGraphBuilder graph, Standardizer? standardizer, int dimension, string inputName)
    {
        var features = graph.AddInput(inputName, -1, dimension);
        return standardizer is null ? features : standardizer.Map(graph, features);
    }

    /// <summary>Throws unless <paramref name="names"/> holds <paramref name="expected"/> distinct, non-null strings.</summary>
    public static void CheckNames(IReadOnlyList<string> names, int expected, string what, string paramName)
    {
        ArgumentNullException.ThrowIfNull(names, paramName);
        if (names.Count != expected)
        {
            throw new ArgumentException($"Expected {expected} {what}; got {names.Count}.", paramName);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] is null)
            {
                throw new ArgumentException($"The {what} must not be null (index {i}).", paramName);
            }

            if (!seen.Add(names[i]))
            {
                throw new ArgumentException($"The {what} must be distinct; '{names[i]}' appears twice.", paramName);
            }
        }
    }

    /// <summary>Throws unless <paramref name="standardizer"/> is null or has <paramref name="dimension"/> finite features.</summary>
    public static void CheckStandardizer(Standardizer? standardizer, int dimension, string paramName)
    {
        if (standardizer is null)
        {
            return;
        }

        if (standardizer.Dimension != dimension)
        {
            throw new ArgumentException($"The standardizer has {standardizer.Dimension} features; the model takes {dimension}.", paramName);
        }

        if (!AllFinite(standardizer.Mean.Value.Span) || !AllFinite(standardizer.InverseStd.Value.Span))
        {
            throw new ArgumentException("The standardizer holds non-finite means or inverse standard deviations.", paramName);
        }
    }

    /// <summary>
    /// A writer carrying the producer fields and the common metadata: <see cref="OnnxMetadataKeys.Producer"/>,
    /// <see cref="OnnxMetadataKeys.LibraryVersion"/>, <see cref="OnnxMetadataKeys.ModelKind"/>,
    /// <see cref="OnnxMetadataKeys.FeatureNames"/>, <see cref="OnnxMetadataKeys.Standardized"/> and, with a
    /// standardiser, its means and inverse standard deviations.
    /// </summary>
    /// <param name="producerName">The producer's name.</param>
    /// <param name="producerVersion">The producer's version, or null for the library's.</param>
    /// <param name="description">The model's description.</param>
    /// <param name="modelKind">The model kind.</param>
    /// <param name="featureNames">The feature names, already checked.</param>
    /// <param name="standardizer">The standardiser, already checked, or null.</param>
    public static OnnxModelWriter CreateWriter(string producerName, string? producerVersion, string description, string modelKind, IReadOnlyList<string> featureNames, Standardizer? standardizer)
    {
        var writer = new OnnxModelWriter { ProducerName = producerName, Description = description };
        string libraryVersion = writer.ProducerVersion;
        if (producerVersion is not null)
        {
            writer.ProducerVersion = producerVersion;
        }

        var metadata = writer.Metadata;
        metadata[OnnxMetadataKeys.Producer] = producerName;
        metadata[OnnxMetadataKeys.LibraryVersion] = libraryVersion;
        metadata[OnnxMetadataKeys.ModelKind] = modelKind;
        metadata[OnnxMetadataKeys.FeatureNames] = JsonArray(featureNames);
        metadata[OnnxMetadataKeys.Standardized] = standardizer is null ? "false" : "true";
        if (standardizer is not null)
        {
            metadata[OnnxMetadataKeys.StandardizationMean] = JsonArray(standardizer.Mean.Value.Span);
            metadata[OnnxMetadataKeys.StandardizationInverseStd] = JsonArray(standardizer.InverseStd.Value.Span);
        }

        return writer;
    }

    /// <summary>A JSON array of strings.</summary>
    public static string JsonArray(IEnumerable<string> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var v in values)
            {
                json.WriteStringValue(v);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A JSON array of finite numbers, each the shortest text that reads back as the same float32.</summary>
    public static string JsonArray(ReadOnlySpan<float> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (float v in values)
            {
                json.WriteNumberValue(v);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
