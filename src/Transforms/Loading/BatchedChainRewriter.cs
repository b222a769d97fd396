using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Loading;

/// <summary>
/// Replaces every ML.NET <see cref="OnnxTransformer"/> of a loaded model, inside nested
/// <see cref="TransformerChain{TLastTransformer}"/>s, by an <see cref="OnnxBatchScoringTransformer"/> over the same
/// ONNX model that adds the same columns with the same types, so the steps after it work unchanged.
/// </summary>
/// <remarks>
/// <para>
/// Each ONNX transformer's model is read from the zip folder of its place in the chain: the root chain is saved in
/// <c>TransformerChain</c>, and a chain saves its i-th transformer in <c>Transform_{i:000}</c> under its own folder
/// (so the ONNX transformer that is the first step of the fourth step is in TransformerChain/Transform_003/Transform_000).
/// ML.NET names ONNX transformer columns after the graph's inputs and outputs, and types every output as a vector
/// (int64 [N] as a vector of one Int64, float [N, K] as a vector of K); the replacement takes the types from the
/// ML.NET transformer itself and checks that the graph's outputs fill them.
/// </para>
/// <para>
/// A one-row MLNetMixture flow graph (what a saved flow pipeline holds) is turned back into its batched graph
/// (<see cref="SingleRowFlowGraph"/>); any other graph fixed to one row is scored a row per ONNX Runtime call.
/// Chains are rebuilt with their transformers' scopes (training, testing, scoring).
/// </para>
/// </remarks>
internal sealed class BatchedChainRewriter
{
    /// <summary>The folder ML.NET saves the root model in.</summary>
    public const string RootFolder = "TransformerChain";

    private readonly SavedOnnxModels _saved;
    private readonly OnnxScoringOptions _scoring;
    private readonly string _source;
    private readonly List<OnnxBatchScoringTransformer> _steps = [];

    /// <summary>Creates the rewriter.</summary>
    /// <param name="saved">The ONNX models of the zip.</param>
    /// <param name="scoring">Device, fallback and batch size of every replacement.</param>
    /// <param name="source">What the model is, for messages.</param>
    public BatchedChainRewriter(SavedOnnxModels saved, OnnxScoringOptions scoring, string source)
    {
        _saved = saved;
        _scoring = scoring;
        _source = source;
    }

    /// <summary>The replacements made so far, in chain order.</summary>
    public IReadOnlyList<OnnxBatchScoringTransformer> Steps => _steps;

    /// <summary>The model with its ONNX transformers replaced; <paramref name="model"/> itself when it has none.</summary>
    public ITransformer Rewrite(ITransformer model, DataViewSchema inputSchema) => Visit(model, inputSchema, RootFolder);

    private ITransformer Visit(ITransformer transformer, DataViewSchema input, string folder) => transformer switch
    {
        OnnxTransformer onnx => Replace(onnx, input, folder),
        TransformerChain<ITransformer> chain => VisitChain(chain, input, folder),
        _ => transformer,
    };

    private ITransformer VisitChain(TransformerChain<ITransformer> chain, DataViewSchema input, string folder)
    {
        var items = chain.ToArray();
        var replaced = new ITransformer[items.Length];
        var schema = input;
        for (int i = 0; i < items.Length; i++)
        {
            replaced[i] = Visit(items[i], schema, $"{folder}/Transform_{i.ToString("000", CultureInfo.InvariantCulture)}");
            schema = replaced[i].GetOutputSchema(schema);
        }

        return replaced.SequenceEqual(items, ReferenceEqualityComparer.Instance) ? chain : new TransformerChain<ITransformer>(replaced, Scopes(chain, items));
    }

    /// <summary>Each transformer's scopes, recovered from the chain's public per-scope views.</summary>
    private static TransformerScope[] Scopes(TransformerChain<ITransformer> chain, ITransformer[] items)
    {
        var scopes = new TransformerScope[items.Length];
        foreach (var scope in new[] { TransformerScope.Training, TransformerScope.Testing, TransformerScope.Scoring })
        {
            int at = 0;
            foreach (var member in chain.GetModelFor(scope))
            {
                while (!ReferenceEquals(items[at], member))
                {
                    at++;
                }

                scopes[at++] |= scope;
            }
        }

        return scopes;
    }

    private OnnxBatchScoringTransformer Replace(OnnxTransformer onnx, DataViewSchema input, string folder)
    {
        var saved = _saved.Take(folder);
        var model = SingleRowFlowGraph.Batched(saved) ?? saved;
        var added = onnx.GetOutputSchema(input).Skip(input.Count).ToArray();
        var step = OnnxBatchScoringTransformer.Create(model, new OnnxBatchScoringOptions { Scoring = _scoring }, scorer => Columns(scorer, added, folder), _source, onnx);
        _steps.Add(step);
        return step;
    }

    /// <summary>The columns ML.NET's transformer adds, each filled from the graph output of the same name.</summary>
    private OnnxOutputColumn[] Columns(OnnxScorer scorer, IReadOnlyList<DataViewSchema.Column> added, string folder) => added.Select(column =>
    {
        string name = column.Name;
        if (!scorer.OutputNames.Contains(name))
        {
            throw new InvalidDataException($"{_source}: ML.NET's OnnxTransformer saved at '{folder}' adds column '{name}', which its ONNX model does not output (outputs: {string.Join(", ", scorer.OutputNames)}).");
        }

        var item = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
        var element = scorer.OutputElementType(name);
        if (!((element == typeof(float) && item == NumberDataViewType.Single) || (element == typeof(long) && item == NumberDataViewType.Int64)))
        {
            throw new NotSupportedException($"{_source}: ONNX output '{name}' (saved at '{folder}') holds {element.Name} values in a {column.Type} column; batched scoring fills float32 and int64 outputs only. Load this model with mlContext.Model.Load instead.");
        }

        var rowShape = scorer.OutputRowShape(name);
        long width = rowShape.Aggregate(1L, (a, d) => a * d);
        int size = column.Type is VectorDataViewType v ? v.Size : 1;
        if (rowShape.Any(d => d <= 0) || width != size)
        {
            throw new NotSupportedException($"{_source}: ONNX output '{name}' (saved at '{folder}') has rows of shape [{string.Join(", ", rowShape)}], which do not fill ML.NET's {column.Type} column. Load this model with mlContext.Model.Load instead.");
        }

        return new OnnxOutputColumn(name, new DataViewSchema.DetachedColumn(name, column.Type, column.Annotations), OnnxOutputConversion.None, size);
    }).ToArray();
}
