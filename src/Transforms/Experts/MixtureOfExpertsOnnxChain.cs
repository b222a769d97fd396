using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Experts;

/// <summary>
/// Builds the chain of ML.NET's own transformers that scores an exported mixture-of-experts ONNX model and that
/// ML.NET can save and load: <c>ApplyOnnxModel</c> plus conversions to the column types of an ML.NET multiclass
/// trainer.
/// </summary>
/// <remarks>
/// <para>
/// ML.NET's ONNX transformer fixes the batch dimension to 1 and gives every output as a vector: the int64 [N]
/// outputs PredictedLabel and Expert arrive as vectors of one Int64, while ML.NET expects PredictedLabel to be a
/// scalar of the label's key type (with its key values, so that MapKeyToValue works) and Expert a scalar. No
/// built-in transform takes the single element out of a vector, but two together do, and both are saved by ML.NET:
/// </para>
/// <list type="number">
/// <item><description>
/// <c>Hash</c> with <c>combine: true</c> hashes the whole vector into one scalar key (MurmurHash3 of the value,
/// 31 bits, a fixed seed);
/// </description></item>
/// <item><description>
/// <c>MapValue</c> looks that hash up in a table built here, which maps the hash of each index 0..C-1 to key
/// value index + 1 of a column of the label's own key type and annotations (for Expert: to the UInt32 index).
/// </description></item>
/// </list>
/// <para>
/// The hashes of the indices are computed by running the same Hash transform over the indices, and the seed is
/// changed until they are distinct, so the lookup is exact. The temporary hash columns are dropped; ApplyOnnxModel's
/// raw PredictedLabel and Expert vectors remain as hidden columns behind the converted ones.
/// </para>
/// </remarks>
internal static class MixtureOfExpertsOnnxChain
{
    private const int HashBits = 31;
    private const uint FirstSeed = 0x4D6F45u;
    private const string PredictedLabelHash = "MixtureOfExperts.PredictedLabelHash";
    private const string ExpertHash = "MixtureOfExperts.ExpertHash";
    private const string LookupKey = "Hash";
    private const string LookupValue = "Value";

    /// <summary>Builds the chain for <paramref name="schema"/>, the schema of the data it will score.</summary>
    /// <param name="ml">The context that creates the transformers.</param>
    /// <param name="onnx">The exported model (its features input named after <paramref name="featureColumn"/>; Score, PredictedLabel, GateProbabilities, Expert outputs).</param>
    /// <param name="schema">An input schema with the feature and label columns.</param>
    /// <param name="featureColumn">The feature column's name.</param>
    /// <param name="label">The label column: its key type and annotations become PredictedLabel's.</param>
    /// <param name="classes">The number of classes C (the key count).</param>
    /// <param name="experts">The number of experts K.</param>
    /// <param name="gpuDeviceId">The CUDA device for ONNX Runtime, or null for the CPU.</param>
    /// <param name="fallbackToCpu">ML.NET's fallback flag, passed through.</param>
    public static TransformerChain<ITransformer> Build(MLContext ml, byte[] onnx, DataViewSchema schema, string featureColumn, DataViewSchema.Column label, int classes, int experts, int? gpuDeviceId, bool fallbackToCpu)
    {
        var (seed, hashType, classHashes, expertHashes) = DistinctHashes(ml, classes, experts);
        var labelLookup = Lookup(hashType, classHashes, new DataViewSchema.DetachedColumn(LookupValue, label.Type, label.Annotations), KeyValues(label.Type, classes));
        var expertLookup = Lookup(hashType, expertHashes, new DataViewSchema.DetachedColumn(LookupValue, NumberDataViewType.UInt32), BatchColumn.Scalars(Enumerable.Range(0, experts).Select(e => (uint)e).ToArray()));

        var steps = new List<IEstimator<ITransformer>>();
        string[] outputs =
        [
            MixtureOfExpertsOnnxExporter.ScoreOutput,
            MixtureOfExpertsOnnxExporter.PredictedLabelOutput,
            MixtureOfExpertsOnnxExporter.GateProbabilitiesOutput,
            MixtureOfExpertsOnnxExporter.ExpertOutput,
        ];
        steps.Add(ml.Transforms.ApplyOnnxModel(outputs, [featureColumn], new MemoryStream(onnx, writable: false), gpuDeviceId, fallbackToCpu));
        steps.Add(ml.Transforms.Conversion.Hash(
            HashOptions(PredictedLabelHash, MixtureOfExpertsOnnxExporter.PredictedLabelOutput, seed),
            HashOptions(ExpertHash, MixtureOfExpertsOnnxExporter.ExpertOutput, seed)));
        steps.Add(ml.Transforms.Conversion.MapValue(MixtureOfExpertsOnnxExporter.PredictedLabelOutput, labelLookup, labelLookup.Schema[LookupKey], labelLookup.Schema[LookupValue], PredictedLabelHash));
        steps.Add(ml.Transforms.Conversion.MapValue(MixtureOfExpertsOnnxExporter.ExpertOutput, expertLookup, expertLookup.Schema[LookupKey], expertLookup.Schema[LookupValue], ExpertHash));
        steps.Add(ml.Transforms.DropColumns(PredictedLabelHash, ExpertHash));

        // None of these estimators reads rows when fitted: an empty view with the input schema is enough.
        return SchemaOnlyFitting.Fit(steps, SchemaOnlyFitting.Columns(schema));
    }

    private static HashingEstimator.ColumnOptions HashOptions(string name, string input, uint seed) =>
        new(name, input, HashBits, seed, useOrderedHashing: false, maximumNumberOfInverts: 0, combine: true);

    /// <summary>A seed under which the hashes of 0..max(C, K)-1 are distinct, with the hash column's type and the hashes.</summary>
    private static (uint Seed, DataViewType Type, uint[] Classes, uint[] Experts) DistinctHashes(MLContext ml, int classes, int experts)
    {
        int count = Math.Max(classes, experts);
        for (uint seed = FirstSeed; seed < FirstSeed + 64; seed++)
        {
            var (type, hashes) = HashIndices(ml, count, seed);
            if (hashes.Distinct().Count() == count)
            {
                return (seed, type, hashes[..classes], hashes[..experts]);
            }
        }

        throw new InvalidOperationException($"No hash seed separates {count} class and expert indices; this should not happen for fewer than millions of classes.");
    }

    private static (DataViewType Type, uint[] Hashes) HashIndices(MLContext ml, int count, uint seed)
    {
        const string index = "Index";
        var indices = new InMemoryDataView(
            count,
            [new DataViewSchema.DetachedColumn(index, new VectorDataViewType(NumberDataViewType.Int64, 1))],
            [BatchColumn.Vectors(Enumerable.Range(0, count).Select(i => (long)i).ToArray(), 1)]);
        var hashed = ml.Transforms.Conversion.Hash(HashOptions(LookupKey, index, seed)).Fit(indices).Transform(indices);
        var column = hashed.Schema[LookupKey];
        var hashes = new uint[count];
        using var cursor = hashed.GetRowCursor([column]);
        var getter = cursor.GetGetter<uint>(column);
        for (int i = 0; cursor.MoveNext(); i++)
        {
            getter(ref hashes[i]);
        }

        return (column.Type, hashes);
    }

    private static InMemoryDataView Lookup(DataViewType hashType, uint[] hashes, DataViewSchema.DetachedColumn value, BatchColumn values) =>
        new(hashes.Length, [new DataViewSchema.DetachedColumn(LookupKey, hashType), value], [BatchColumn.Scalars(hashes), values]);

    /// <summary>Key values 1..count in the label's raw key type.</summary>
    private static BatchColumn KeyValues(DataViewType keyType, int count)
    {
        var raw = keyType.RawType;
        return raw == typeof(uint) ? BatchColumn.Scalars(Enumerable.Range(1, count).Select(i => (uint)i).ToArray())
            : raw == typeof(ulong) ? BatchColumn.Scalars(Enumerable.Range(1, count).Select(i => (ulong)i).ToArray())
            : raw == typeof(ushort) ? BatchColumn.Scalars(Enumerable.Range(1, count).Select(i => (ushort)i).ToArray())
            : raw == typeof(byte) ? BatchColumn.Scalars(Enumerable.Range(1, count).Select(i => (byte)i).ToArray())
            : throw new ArgumentOutOfRangeException(nameof(keyType), $"Key type {keyType} has raw type {raw.Name}; keys are stored as Byte, UInt16, UInt32 or UInt64.");
    }
}
