using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>Every flow layer in a non-trivial, randomly perturbed configuration, with test inputs for it.</summary>
internal static class FlowLayerCatalog
{
    public static readonly TheoryData<string> Kinds =
    [
        "affine-halves",
        "affine-alternating",
        "spline-halves",
        "spline-alternating",
        "maf",
        "maf-shallow",
        "sinh-arcsinh-coupling",
        "sinh-arcsinh-autoregressive",
        "lu",
        "lu-identity-start",
        "permutation-random",
        "permutation-reverse",
        "actnorm",
        "standardizer",
        "sequence",
    ];

    public static (IFlowLayer Layer, Tensor Input) Create(string kind, ulong seed = 7)
    {
        var random = new RandomSource(seed);
        int d = kind.EndsWith("alternating", StringComparison.Ordinal) || kind == "maf-shallow" || kind == "permutation-reverse" ? 3 : 4;
        var input = FlowProbe.Normal(random.Fork(99), 24, d, 1.5f);
        IFlowLayer layer;
        switch (kind)
        {
            case "affine-halves":
                layer = new AffineCouplingLayer("c", CouplingPartition.Halves(d), [16, 16], Activation.Tanh, random);
                FlowProbe.Perturb(layer, random, 0.3f);
                break;
            case "affine-alternating":
                layer = new AffineCouplingLayer("c", CouplingPartition.Alternating(d, transformOdd: false), [8], Activation.Relu, random, scaleBound: 2f);
                FlowProbe.Perturb(layer, random, 0.4f);
                break;
            case "spline-halves":
                layer = new RationalQuadraticSplineCouplingLayer("s", CouplingPartition.Halves(d), [16], Activation.Tanh, random, bins: 6, bound: 2.5f);
                FlowProbe.Perturb(layer, random, 0.25f);
                break;
            case "spline-alternating":
                layer = new RationalQuadraticSplineCouplingLayer("s", CouplingPartition.Alternating(d), [8, 8], Activation.Tanh, random, bins: 4, bound: 3f);
                FlowProbe.Perturb(layer, random, 0.3f);
                break;
            case "maf":
                layer = new MaskedAutoregressiveLayer("m", d, [16, 16], Activation.Tanh, random);
                FlowProbe.Perturb(layer, random, 0.3f);
                break;
            case "maf-shallow":
                layer = new MaskedAutoregressiveLayer("m", d, [], Activation.Tanh, random, scaleBound: 1.5f);
                FlowProbe.Perturb(layer, random, 0.5f);
                break;
            case "sinh-arcsinh-coupling":
                layer = new CouplingLayer("h", CouplingPartition.Alternating(d, transformOdd: false), new SinhArcsinhBijection(), [16], Activation.Tanh, random);
                FlowProbe.Perturb(layer, random, 0.2f);
                break;
            case "sinh-arcsinh-autoregressive":
                layer = new AutoregressiveLayer("h", d, new SinhArcsinhBijection(scaleBound: 2f, tailBound: 0.5f), [16, 16], Activation.Elu, random);
                FlowProbe.Perturb(layer, random, 0.3f);
                break;
            case "lu":
                layer = new LuLinearLayer("w", d, random);
                FlowProbe.Perturb(layer, random, 0.2f);
                break;
            case "lu-identity-start":
                layer = new LuLinearLayer("w", d, random, randomRotation: false);
                FlowProbe.Perturb(layer, random, 0.3f);
                break;
            case "permutation-random":
                layer = PermutationLayer.Random(d, random);
                break;
            case "permutation-reverse":
                layer = PermutationLayer.Reverse(d);
                break;
            case "actnorm":
                {
                    var act = new ActNormLayer("a", d);
                    var data = FlowProbe.Normal(random, 200, d, 2f);
                    TensorPrimitives.Add(data.Span, 3f, data.Span);
                    act.InitializeFrom(data);
                    FlowProbe.Perturb(act, random, 0.3f);
                    layer = act;
                    break;
                }

            case "standardizer":
                {
                    var standardizer = new Standardizer("z", d);
                    var data = FlowProbe.Normal(random, 200, d, 3f);
                    TensorPrimitives.Add(data.Span, -2f, data.Span);
                    standardizer.Fit(data.Span, data.Shape[0]);
                    layer = standardizer;
                    break;
                }

            case "sequence":
                {
                    var flow = new FlowSequence(
                        new ActNormLayer("a0", d),
                        new AffineCouplingLayer("c1", CouplingPartition.Halves(d), [12], Activation.Tanh, random),
                        PermutationLayer.Random(d, random),
                        new RationalQuadraticSplineCouplingLayer("s3", CouplingPartition.Alternating(d), [12], Activation.Tanh, random, bins: 5, bound: 3f),
                        new LuLinearLayer("w4", d, random),
                        new MaskedAutoregressiveLayer("m5", d, [12], Activation.Elu, random));
                    flow.InitializeFrom(FlowProbe.Normal(random, 100, d, 1.5f));
                    FlowProbe.Perturb(flow, random, 0.2f);
                    layer = flow;
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown layer kind.");
        }

        return (layer, input);
    }
}
