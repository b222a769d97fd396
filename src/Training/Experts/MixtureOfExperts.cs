using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// A mixture-of-experts classifier <c>p(y|x) = sum_k p(z=k|x) p(y|x,z=k)</c>: a gate network gives K logits
/// and each of the K experts gives C class logits. The forward pass uses only <see cref="IComputeGraph"/>
/// operations, so the same code trains on a <see cref="Tape"/> and exports to ONNX.
/// </summary>
/// <remarks>
/// All experts are evaluated together with a few large matrix products instead of K small ones. The experts'
/// first layers are stacked into one weight [K*W1, D] and applied as one Linear, x [N, D] to [N, K*W1]
/// (W1 is the first hidden width, or C for linear experts, which then just reshape to [N, K, C]). Every later
/// layer is one <see cref="IComputeGraph.GroupedLinear"/> with weights [K, H_in, H_out] and a bias [K, 1, H_out]:
/// each expert's block of columns is multiplied in place, so activations stay [N, K*W] and are never transposed;
/// the last is reshaped to [N, K, C].
/// </remarks>
public sealed partial class MixtureOfExperts : IModule
{
    private readonly Mlp _gate;
    private readonly Parameter[] _expertWeights;
    private readonly Parameter[] _expertBiases;
    private readonly int[] _expertWidths;

    /// <summary>Creates and initialises the model.</summary>
    /// <param name="inputs">The number of input features D.</param>
    /// <param name="classes">The number of classes C.</param>
    /// <param name="architecture">The experts, the gate and expert networks and their non-linearity; copied.</param>
    /// <param name="seed">Seed of the parameter initialisation; equal seeds give equal models.</param>
    public MixtureOfExperts(int inputs, int classes, MixtureOfExpertsArchitecture architecture, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        architecture.Validate();
        var options = architecture.Copy();
        Architecture = options;
        Inputs = inputs;
        Classes = classes;
        Seed = seed;
        int k = options.Experts;
        var random = new RandomSource(seed);
        _gate = new Mlp("gate", inputs, options.GateHiddenSizes, k, options.Activation, random.Fork(1));

        _expertWidths = [inputs, .. options.ExpertHiddenSizes, classes];
        int layers = _expertWidths.Length - 1;
        _expertWeights = new Parameter[layers];
        _expertBiases = new Parameter[layers];
        var expertRandom = random.Fork(2);
        for (int l = 0; l < layers; l++)
        {
            int fanIn = _expertWidths[l], fanOut = _expertWidths[l + 1];
            bool hidden = l < layers - 1;
            Parameter weight, bias;
            if (l == 0)
            {
                // Every expert's first layer stacked: rows [k*fanOut, (k+1)*fanOut) belong to expert k.
                weight = new Parameter("experts.0.weight", k * fanOut, fanIn);
                bias = new Parameter("experts.0.bias", k * fanOut) { ApplyWeightDecay = false };
            }
            else
            {
                weight = new Parameter($"experts.{l}.weight", k, fanIn, fanOut);
                bias = new Parameter($"experts.{l}.bias", k, 1, fanOut) { ApplyWeightDecay = false };
            }

            if (hidden && options.Activation is Activation.Relu or Activation.Elu or Activation.Gelu)
            {
                Initializer.HeUniform(weight.Value, fanIn, expertRandom);
            }
            else
            {
                Initializer.XavierUniform(weight.Value, fanIn, fanOut, expertRandom);
            }

            _expertWeights[l] = weight;
            _expertBiases[l] = bias;
        }

        var parameters = new List<Parameter>(_gate.Parameters);
        for (int l = 0; l < layers; l++)
        {
            parameters.Add(_expertWeights[l]);
            parameters.Add(_expertBiases[l]);
        }

        Parameters = parameters;
    }

    /// <summary>The architecture (a copy of the one given).</summary>
    public MixtureOfExpertsArchitecture Architecture { get; }

    /// <summary>The seed the parameters were initialised with.</summary>
    public ulong Seed { get; }

    /// <summary>The number of input features D.</summary>
    public int Inputs { get; }

    /// <summary>The number of classes C.</summary>
    public int Classes { get; }

    /// <summary>The number of experts K.</summary>
    public int Experts => Architecture.Experts;

    /// <summary>The gate network, D inputs to K logits.</summary>
    public Mlp Gate => _gate;

    /// <summary>
    /// The experts' weights, first layer to last: the first is [K*W1, D] (expert k owns rows k*W1 to (k+1)*W1 - 1,
    /// in the layout of a Linear weight [Out, In]); each later one is [K, In, Out].
    /// </summary>
    public IReadOnlyList<Parameter> ExpertWeights => _expertWeights;

    /// <summary>The experts' biases, first layer to last: [K*W1], then [K, 1, Out].</summary>
    public IReadOnlyList<Parameter> ExpertBiases => _expertBiases;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The gate logits [N, K] for features [N, D].</summary>
    public Var GateLogits(IComputeGraph graph, Var features)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CheckFeatures(graph, features);
        return _gate.Forward(graph, features);
    }

    /// <summary>Every expert's class logits [N, K, C] for features [N, D], computed with batched matrix products.</summary>
    public Var ExpertLogits(IComputeGraph graph, Var features)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CheckFeatures(graph, features);
        int k = Experts;
        int layers = _expertWeights.Length;
        var first = (Weight: graph.Param(_expertWeights[0]), Bias: graph.Param(_expertBiases[0]));
        var h = layers > 1
            ? graph.LinearThen(Architecture.Activation, features, first.Weight, first.Bias) // [N, K*W1], activated
            : graph.Linear(features, first.Weight, first.Bias);
        for (int l = 1; l < layers; l++)
        {
            if (l > 1)
            {
                h = graph.Apply(Architecture.Activation, h);
            }

            h = graph.GroupedLinear(h, graph.Param(_expertWeights[l]), graph.Param(_expertBiases[l])); // [N, K*W_l+1]
        }

        return graph.Reshape(h, -1, k, Classes); // [N, K, C]
    }

    /// <summary>The gate logits, gate log-probabilities [N, K] and expert log-probabilities [N, K, C].</summary>
    public MixtureOfExpertsOutputs Forward(IComputeGraph graph, Var features)
    {
        var gateLogits = GateLogits(graph, features);
        var expertLogProbabilities = graph.LogSoftmax(ExpertLogits(graph, features));
        return new MixtureOfExpertsOutputs(gateLogits, graph.LogSoftmax(gateLogits), expertLogProbabilities);
    }

    /// <summary>The full (soft) mixture's class log-probabilities <c>log p(y|x)</c> [N, C] for features [N, D].</summary>
    public Var ClassLogProbabilities(IComputeGraph graph, Var features)
    {
        var outputs = Forward(graph, features);
        return MixtureLogProbabilities(graph, outputs.GateLogProbabilities, outputs.ExpertLogProbabilities);
    }

    /// <summary>
    /// Records the training loss for features [N, D] and labels on <paramref name="tape"/>, drawing the Gumbel
    /// noise of the sampling objectives from <paramref name="random"/>. See <see cref="MixtureOfExpertsLoss"/>.
    /// </summary>
    /// <param name="tape">The tape to record on.</param>
    /// <param name="features">Features [N, D].</param>
    /// <param name="labels">One class index in [0, C) per row.</param>
    /// <param name="options">The objective and auxiliary weights.</param>
    /// <param name="random">The noise source; required by <see cref="GateObjective.GumbelSoftmax"/> and <see cref="GateObjective.StraightThrough"/>.</param>
    /// <param name="weights">One example weight per row, or null for equal weights; see <see cref="MixtureOfExpertsLoss.Compute"/>.</param>
    /// <param name="temperature">The relaxation temperature of the sampling objectives (positive); <see cref="GateObjective.Marginal"/> ignores it.</param>
    /// <param name="routedFraction">For one part of a minibatch, the whole batch's load-balancing routing fractions [K]; see <see cref="MixtureOfExpertsLoss.Compute"/>.</param>
    public MixtureOfExpertsLossTerms Loss(Tape tape, Var features, int[] labels, MixtureOfExpertsLossOptions options, RandomSource? random = null, float[]? weights = null, float temperature = 1f, Tensor? routedFraction = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(options);
        Tensor? uniforms = null;
        if (options.Objective != GateObjective.Marginal)
        {
            if (random is null)
            {
                throw new ArgumentNullException(nameof(random), $"The {options.Objective} objective samples the gate and needs a random source.");
            }

            CheckFeatures(tape, features);
            uniforms = new Tensor(tape.Shape(features)[0], Experts);
            random.FillUniform(uniforms.Span);
        }

        return LossCore(tape, features, labels, options, uniforms, weights, temperature, routedFraction);
    }

    /// <summary>
    /// Records the training loss with the given uniforms [N, K] in (0, 1) for the Gumbel noise (fixed noise, e.g.
    /// for tests or for common random numbers); <see cref="GateObjective.Marginal"/> ignores them.
    /// </summary>
    /// <param name="tape">The tape to record on.</param>
    /// <param name="features">Features [N, D].</param>
    /// <param name="labels">One class index in [0, C) per row.</param>
    /// <param name="options">The objective and auxiliary weights.</param>
    /// <param name="uniforms">Uniforms [N, K].</param>
    /// <param name="weights">One example weight per row, or null for equal weights; see <see cref="MixtureOfExpertsLoss.Compute"/>.</param>
    /// <param name="temperature">The relaxation temperature of the sampling objectives (positive); <see cref="GateObjective.Marginal"/> ignores it.</param>
    public MixtureOfExpertsLossTerms Loss(Tape tape, Var features, int[] labels, MixtureOfExpertsLossOptions options, Tensor uniforms, float[]? weights = null, float temperature = 1f)
    {
        ArgumentNullException.ThrowIfNull(uniforms);
        return LossCore(tape, features, labels, options, uniforms, weights, temperature, null);
    }

    /// <summary>
    /// The class log-probabilities <c>log sum_k w_k p(y|x,z=k)</c> [N, C] of a mixture with routing weights w,
    /// computed stably in log space as <c>LogSumExp_k(log w_k + log p(y|x,z=k))</c>.
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="gateLogWeights">
    /// log w [N, K]: the gate log-probabilities for the soft mixture, the log of a relaxed Gumbel-softmax sample, or
    /// the log of a one-hot routing (log 0 = -infinity drops an expert exactly).
    /// </param>
    /// <param name="expertLogProbabilities">log p(y|x,z=k) [N, K, C], as in <see cref="Forward"/>.</param>
    public static Var MixtureLogProbabilities(IComputeGraph graph, Var gateLogWeights, Var expertLogProbabilities)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int k = graph.Shape(gateLogWeights)[^1];
        var joint = graph.Add(graph.Reshape(gateLogWeights, -1, k, 1), expertLogProbabilities); // [N, K, C]
        return graph.LogSumExp(joint, 1);
    }

    private MixtureOfExpertsLossTerms LossCore(Tape tape, Var features, int[] labels, MixtureOfExpertsLossOptions options, Tensor? uniforms, float[]? weights, float temperature, Tensor? routedFraction)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        CheckFeatures(tape, features);
        MixtureOfExpertsLoss.CheckLabels(labels, tape.Shape(features)[0], Classes);
        var gateLogits = GateLogits(tape, features);
        var expertLogits = ExpertLogits(tape, features);
        Var? u = uniforms is null ? null : tape.Constant(uniforms);
        return MixtureOfExpertsLoss.Compute(tape, gateLogits, expertLogits, labels, options, u, weights, temperature, routedFraction);
    }

    private void CheckFeatures(IComputeGraph graph, Var features)
    {
        var shape = graph.Shape(features);
        if (shape.Length != 2 || shape[1] != Inputs)
        {
            throw new ArgumentException($"Expected features [N, {Inputs}]; got [{string.Join(", ", shape)}].", nameof(features));
        }
    }
}
