using MLNetMixture.Training.Autodiff;
using MLNetMixture.Transforms.Onnx.Proto;

namespace MLNetMixture.Transforms.Onnx;

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

        if (seed is { } s && !float.IsFinite(s))
        {
            throw new ArgumentOutOfRangeException(nameof(seed), s, "The seed must be finite.");
        }

        var e = Entry(like);
        var attributes = new List<AttributeProto>
        {
            IntAttribute("dtype", (long)TensorProto.Types.DataType.Float),
            FloatAttribute("low", low),
            FloatAttribute("high", high),
        };
        if (seed is { } value)
        {
            attributes.Add(FloatAttribute("seed", value));
        }

        return EmitVar("RandomUniformLike", (int[])e.Dims.Clone(), [e.Name], [.. attributes]);
    }
}
