using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Onnx;

/// <content>
/// Random draws inside the graph, for exported samplers. They are not part of <see cref="IComputeGraph"/>: a tape
/// takes its noise as data (uniforms drawn from a random source), and the shared graph functions take that noise
/// as a value, so an exporter can feed them either a graph input or one of these draws.
/// </content>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// float32 values drawn independently and uniformly from [<paramref name="low"/>, <paramref name="high"/>) with
    /// the shape of <paramref name="like"/>, fresh on every run of the model (ONNX: RandomUniformLike).
    /// </summary>
    /// <param name="like">The value whose shape (not its elements) the draw takes; the batch dimension may be dynamic.</param>
    /// <param name="low">The lower bound, included.</param>
    /// <param name="high">The upper bound, excluded; greater than <paramref name="low"/>.</param>
    /// <param name="seed">
    /// The generator's seed, or null for one chosen by the runtime. ONNX Runtime seeds one generator per session
    /// and advances it on every run, so a seeded model gives the same sequence of draws in every new session,
    /// not the same draws on every run.
    /// </param>
    /// <remarks>The draws depend on the runtime's generator: they are reproducible across sessions of one runtime version and provider, not across runtimes.</remarks>
    public Var RandomUniformLike(Var like, float low = 0f, float high = 1f, float? seed = null)
    {
        if (!(low < high) || !float.IsFinite(low) || !float.IsFinite(high))
        {
            throw new ArgumentException($"A uniform draw needs finite bounds low < high; got [{low}, {high}).", nameof(low));
        }

        return EmitRandomLike("RandomUniformLike", like, FloatAttribute("low", low), FloatAttribute("high", high), seed);
    }

    /// <summary>
    /// float32 values drawn independently from the normal distribution N(<paramref name="mean"/>,
    /// <paramref name="scale"/>²) with the shape of <paramref name="like"/>, fresh on every run of the model
    /// (ONNX: RandomNormalLike).
    /// </summary>
    /// <param name="like">The value whose shape (not its elements) the draw takes; the batch dimension may be dynamic.</param>
    /// <param name="mean">The mean, finite.</param>
    /// <param name="scale">The standard deviation, positive and finite.</param>
    /// <param name="seed">
    /// The generator's seed, or null for one chosen by the runtime; as in <see cref="RandomUniformLike"/>, a seed
    /// fixes the sequence of draws of each new session. Give every random node of a graph its own seed: two nodes
    /// with the same seed start from the same generator state.
    /// </param>
    /// <remarks>The draws depend on the runtime's generator: they are reproducible across sessions of one runtime version and provider, not across runtimes.</remarks>
    public Var RandomNormalLike(Var like, float mean = 0f, float scale = 1f, float? seed = null)
    {
        if (!float.IsFinite(mean) || !(scale > 0f) || !float.IsFinite(scale))
        {
            throw new ArgumentException($"A normal draw needs a finite mean and a positive, finite scale; got mean {mean}, scale {scale}.", nameof(scale));
        }

        return EmitRandomLike("RandomNormalLike", like, FloatAttribute("mean", mean), FloatAttribute("scale", scale), seed);
    }

    /// <summary>A float32 draw of <paramref name="op"/> with the shape of <paramref name="like"/>, its two distribution attributes and an optional seed.</summary>
    private Var EmitRandomLike(string op, Var like, AttributeProto first, AttributeProto second, float? seed)
    {
        if (seed is { } s && !float.IsFinite(s))
        {
            throw new ArgumentOutOfRangeException(nameof(seed), s, "The seed must be finite.");
        }

        var e = Entry(like);
        var attributes = new List<AttributeProto> { IntAttribute("dtype", (long)TensorProto.Types.DataType.Float), first, second };
        if (seed is { } value)
        {
            attributes.Add(FloatAttribute("seed", value));
        }

        return EmitVar(op, (int[])e.Dims.Clone(), [e.Name], [.. attributes]);
    }

    /// <summary>
    /// A column [N, 1] repeated to [N, <paramref name="columns"/>] (ONNX: Expand), e.g. to give the in-graph draws of
    /// a sampler the shape of its noise when only the number of rows N is an input. Exporter-only: a tape has no
    /// need for it.
    /// </summary>
    /// <param name="column">A value [N, 1]; N may be dynamic.</param>
    /// <param name="columns">The number of columns of the result, at least 1.</param>
    internal Var RepeatColumn(Var column, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        var e = Entry(column);
        if (e.Dims.Length != 2 || e.Dims[1] != 1)
        {
            throw new ArgumentException($"Expected a column [N, 1]; got {DescribeShape(e.Dims)}.", nameof(column));
        }

        return EmitVar("Expand", [e.Dims[0], columns], [e.Name, Int64Constant(1, columns)]);
    }
}
