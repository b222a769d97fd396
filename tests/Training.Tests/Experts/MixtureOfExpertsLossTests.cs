using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsLossTests
{
    private const int Rows = 7;
    private const int K = 3;
    private const int C = 5;

    [Fact]
    public void Marginal_loss_equals_float64_marginal_on_random_logits()
    {
        var (gate, experts, labels) = RandomProblem(seed: 11, scale: 3f);
        var tape = new Tape(threads: 1);
        var terms = MixtureOfExpertsLoss.Compute(tape, tape.Constant(gate), tape.Constant(experts), labels, new MixtureOfExpertsLossOptions());

        double expected = Float64Reference.MarginalNegativeLogLikelihood(ToRows(gate), ToRows3(experts), labels);
        Assert.Equal(expected, tape.Value(terms.NegativeLogLikelihood).Span[0], 1e-5);
        Assert.Equal(expected, tape.Value(terms.Total).Span[0], 1e-5);
    }

    [Fact]
    public void Weighted_loss_is_the_weight_normalised_mean_of_the_row_terms()
    {
        var (gate, experts, labels) = RandomProblem(seed: 13, scale: 3f);
        float[] weights = [2f, 0f, 1f, 0.5f, 1f, 3f, 1f];
        var tape = new Tape(threads: 1);
        var terms = MixtureOfExpertsLoss.Compute(tape, tape.Constant(gate), tape.Constant(experts), labels, new MixtureOfExpertsLossOptions(), weights: weights);

        var g = ToRows(gate);
        var e = ToRows3(experts);
        double expected = Enumerable.Range(0, Rows).Sum(i => weights[i] * Float64Reference.MarginalNegativeLogLikelihood([g[i]], [e[i]], [labels[i]])) / weights.Sum();
        Assert.Equal(expected, tape.Value(terms.NegativeLogLikelihood).Span[0], 1e-5);

        var zero = new Tape(threads: 1);
        var none = MixtureOfExpertsLoss.Compute(zero, zero.Constant(gate), zero.Constant(experts), labels, new MixtureOfExpertsLossOptions(), weights: new float[Rows]);
        Assert.Equal(0f, zero.Value(none.NegativeLogLikelihood).Span[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => MixtureOfExpertsLoss.Compute(zero, zero.Constant(gate), zero.Constant(experts), labels, new MixtureOfExpertsLossOptions(), weights: [-1f, 1, 1, 1, 1, 1, 1]));
    }

    [Fact]
    public void Marginal_loss_is_stable_for_extreme_logits()
    {
        var (gate, experts, labels) = RandomProblem(seed: 12, scale: 200f);
        var tape = new Tape(threads: 1);
        var terms = MixtureOfExpertsLoss.Compute(tape, tape.Constant(gate), tape.Constant(experts), labels, new MixtureOfExpertsLossOptions());

        double expected = Float64Reference.MarginalNegativeLogLikelihood(ToRows(gate), ToRows3(experts), labels);
        float actual = tape.Value(terms.NegativeLogLikelihood).Span[0];
        Assert.True(float.IsFinite(actual));
        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-5);
    }

    [Fact]
    public void Marginal_log_likelihood_matches_golden_pytorch_values()
    {
        // moe_marginal[0] of the shared golden file (float64, PyTorch 1.13): K = 2, C = 3, 5 rows.
        float[] gate =
        [
            1.712839900877838f, 0.7238515671555185f, 0.3300624825581977f, 0.8491557733651537f, 2.161372669731046f, -2.230612020931516f,
            1.1405016913758004f, 0.32548179688446505f, -0.35780426578402635f, 1.2069501951060462f,
        ];
        float[] experts =
        [
            -0.1474873664362445f, -0.11942629346261481f, 0.24962921697319618f, -0.7963998123574603f, -1.4655999554444474f, 0.5855069231264256f,
            1.352628242339919f, -0.8326372278124764f, 5.263958548948259f, -1.4959444233869081f, 1.8942396133925148f, 1.8611205693810422f,
            2.154378647190545f, -0.47416649396718696f, 1.744101084410068f, -0.21136762792665892f, -0.4406830428827051f, 0.5876076713346166f,
            0.6270586581404402f, -0.7406611109477541f, 3.3225085682920765f, -3.1787593237313185f, 0.6862572541617039f, -0.6636483819705882f,
            -1.8431178846178138f, -1.4346604342309626f, 0.8103176007750256f, 3.0770273869360496f, 3.5800339205010765f, 1.8740268576603094f,
        ];
        int[] labels = [1, 0, 0, 2, 1];
        double[] expected = [-1.4334905537385314, -4.02504955769176, -0.5583504484496935, -0.3549867913977955, -0.7369668098873877];

        var tape = new Tape(threads: 1);
        var gateVar = tape.Constant(Tensor.FromValues(gate, 5, 2));
        var expertVar = tape.Constant(Tensor.FromValues(experts, 5, 2, 3));

        // Per row, through the soft-inference path: log p(y|x) [N, C] at the label.
        var classLogProbabilities = tape.Value(MixtureOfExperts.MixtureLogProbabilities(tape, tape.LogSoftmax(gateVar), tape.LogSoftmax(expertVar)));
        for (int r = 0; r < 5; r++)
        {
            Assert.Equal(expected[r], classLogProbabilities[r, labels[r]], Math.Abs(expected[r]) * 1e-5);
        }

        // The batch mean, through the training loss.
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, expertVar, labels, new MixtureOfExpertsLossOptions());
        Assert.Equal(-expected.Average(), tape.Value(terms.NegativeLogLikelihood).Span[0], 1e-5);
    }

    [Fact]
    public void Marginal_gate_gradient_is_prior_minus_posterior()
    {
        var (gate, experts, labels) = RandomProblem(seed: 13, scale: 2f);
        var tape = new Tape(threads: 1);
        var gateVar = tape.Variable(gate);
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), labels, new MixtureOfExpertsLossOptions());
        tape.Backward(terms.Total);
        var gradient = tape.Gradient(gateVar)!;

        var gateRows = ToRows(gate);
        var expertRows = ToRows3(experts);
        for (int r = 0; r < Rows; r++)
        {
            var prior = Float64Reference.LogSoftmax(gateRows[r]).Select(Math.Exp).ToArray();
            var joint = new double[K];
            for (int e = 0; e < K; e++)
            {
                joint[e] = Math.Log(prior[e]) + Float64Reference.LogSoftmax(expertRows[r][e])[labels[r]];
            }

            var posterior = Float64Reference.LogSoftmax(joint).Select(Math.Exp).ToArray();
            for (int e = 0; e < K; e++)
            {
                Assert.Equal((prior[e] - posterior[e]) / Rows, gradient[r, e], 1e-5);
            }
        }
    }

    [Fact]
    public void Straight_through_forward_gate_is_exactly_one_hot_at_the_perturbed_arg_max()
    {
        var (gate, experts, labels) = RandomProblem(seed: 14, scale: 2f);
        var uniforms = Uniforms(seed: 15);
        var tape = new Tape(threads: 1);
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.StraightThrough };
        var terms = MixtureOfExpertsLoss.Compute(tape, tape.Variable(gate), tape.Constant(experts), labels, options, tape.Constant(uniforms), temperature: 0.7f);

        var weights = tape.Value(terms.GateWeights);
        var gateRows = ToRows(gate);
        var expertRows = ToRows3(experts);
        double expectedLoss = 0;
        for (int r = 0; r < Rows; r++)
        {
            int chosen = PerturbedArgMax(gateRows[r], uniforms, r);
            for (int e = 0; e < K; e++)
            {
                Assert.Equal(e == chosen ? 1f : 0f, weights[r, e]);
            }

            expectedLoss -= Float64Reference.LogSoftmax(expertRows[r][chosen])[labels[r]];
        }

        // The forward loss is exactly that of the sampled expert alone.
        Assert.Equal(expectedLoss / Rows, tape.Value(terms.NegativeLogLikelihood).Span[0], 1e-5);
    }

    [Fact]
    public void Straight_through_gives_the_gate_non_zero_gradients()
    {
        var model = new MixtureOfExperts(4, C, new MixtureOfExpertsArchitecture { Experts = K, GateHiddenSizes = [6], ExpertHiddenSizes = [] }, 3);
        var features = RandomFeatures(Rows, 4, seed: 16);
        var labels = RandomLabels(Rows, C, seed: 17);
        var tape = new Tape(threads: 1);
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.StraightThrough };
        var terms = model.Loss(tape, tape.Constant(features), labels, options, Uniforms(seed: 18), temperature: 0.5f);
        tape.Backward(terms.Total);

        foreach (var p in model.Gate.Parameters)
        {
            Assert.True(MathF.Abs(TensorPrimitives.MaxMagnitude(p.Grad.Span)) > 1e-6f, $"{p.Name} received no gradient.");
            Assert.True(p.Grad.Span.ToArray().All(float.IsFinite));
        }

        Assert.True(MathF.Abs(TensorPrimitives.MaxMagnitude(model.ExpertWeights[0].Grad.Span)) > 1e-6f);
    }

    [Fact]
    public void Gumbel_softmax_loss_equals_float64_relaxed_objective_and_reaches_the_gate()
    {
        var (gate, experts, labels) = RandomProblem(seed: 19, scale: 2f);
        var uniforms = Uniforms(seed: 20);
        const float temperature = 0.6f;
        var tape = new Tape(threads: 1);
        var gateVar = tape.Variable(gate);
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.GumbelSoftmax };
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), labels, options, tape.Constant(uniforms), temperature: temperature);
        tape.Backward(terms.Total);

        var gateRows = ToRows(gate);
        var expertRows = ToRows3(experts);
        double expected = 0;
        for (int r = 0; r < Rows; r++)
        {
            var perturbed = new double[K];
            for (int e = 0; e < K; e++)
            {
                perturbed[e] = (gateRows[r][e] - Math.Log(-Math.Log(uniforms[r, e]))) / temperature;
            }

            var logSample = Float64Reference.LogSoftmax(perturbed);
            var terms64 = new double[K];
            for (int e = 0; e < K; e++)
            {
                terms64[e] = logSample[e] + Float64Reference.LogSoftmax(expertRows[r][e])[labels[r]];
                Assert.Equal(Math.Exp(logSample[e]), tape.Value(terms.GateWeights)[r, e], 1e-5);
            }

            expected -= Float64Reference.LogSumExp(terms64);
        }

        Assert.Equal(expected / Rows, tape.Value(terms.NegativeLogLikelihood).Span[0], 1e-4);
        Assert.True(MathF.Abs(TensorPrimitives.MaxMagnitude(tape.Gradient(gateVar)!.Span)) > 1e-4f);
    }

    [Fact]
    public void Gumbel_softmax_loss_approaches_the_hard_objective_as_temperature_falls()
    {
        var (gate, experts, labels) = RandomProblem(seed: 21, scale: 2f);
        var uniforms = Uniforms(seed: 22);
        float Loss(GateObjective objective, float temperature)
        {
            var tape = new Tape(threads: 1);
            var options = new MixtureOfExpertsLossOptions { Objective = objective };
            var terms = MixtureOfExpertsLoss.Compute(tape, tape.Constant(gate), tape.Constant(experts), labels, options, tape.Constant(uniforms), temperature: temperature);
            return tape.Value(terms.NegativeLogLikelihood).Span[0];
        }

        float hard = Loss(GateObjective.StraightThrough, 1f);
        float Gap(float temperature) => MathF.Abs(Loss(GateObjective.GumbelSoftmax, temperature) - hard);

        Assert.True(Gap(2f) > 1e-2f, "The relaxed and hard objectives should differ at a high temperature.");
        Assert.True(Gap(0.05f) < Gap(2f));
        Assert.True(Gap(0.01f) < Gap(0.5f));
        Assert.True(Gap(0.001f) < 1e-4f, $"At temperature 0.001 the relaxed loss should equal the hard one; gap {Gap(0.001f)}.");
    }

    [Fact]
    public void Load_balancing_term_is_k_times_routed_fraction_dot_mean_probability()
    {
        var (gate, experts, labels) = RandomProblem(seed: 23, scale: 2f);
        var tape = new Tape(threads: 1);
        var gateVar = tape.Variable(gate);
        var options = new MixtureOfExpertsLossOptions { LoadBalancingWeight = 0.5f };
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), labels, options);
        tape.Backward(terms.Total);

        var gateRows = ToRows(gate);
        var fraction = new double[K];
        var meanProbability = new double[K];
        foreach (var row in gateRows)
        {
            fraction[Array.IndexOf(row, row.Max())] += 1.0 / Rows;
            var p = Float64Reference.LogSoftmax(row).Select(Math.Exp).ToArray();
            for (int e = 0; e < K; e++)
            {
                meanProbability[e] += p[e] / Rows;
            }
        }

        double expected = K * fraction.Zip(meanProbability, (f, p) => f * p).Sum();
        Assert.NotNull(terms.LoadBalancing);
        Assert.Null(terms.GateEntropy);
        Assert.Equal(expected, tape.Value(terms.LoadBalancing.Value).Span[0], 1e-5);
        float nll = tape.Value(terms.NegativeLogLikelihood).Span[0];
        Assert.Equal(nll + (0.5 * expected), tape.Value(terms.Total).Span[0], 1e-5);
    }

    [Fact]
    public void Load_balancing_gradient_moves_probability_away_from_the_busiest_expert()
    {
        // Every row prefers expert 0: the term's gradient must lower expert 0's logits.
        var gate = Tensor.FromValues([2f, 0f, 0f, 1.5f, 0.2f, 0f, 3f, 1f, -1f], 3, 3);
        var experts = new Tensor(3, 3, 2);
        var tape = new Tape(threads: 1);
        var gateVar = tape.Variable(gate);
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), [0, 1, 0], new MixtureOfExpertsLossOptions { LoadBalancingWeight = 1f });
        tape.Backward(terms.LoadBalancing!.Value);
        var gradient = tape.Gradient(gateVar)!;
        for (int r = 0; r < 3; r++)
        {
            Assert.True(gradient[r, 0] > 0f, "Gradient descent should lower the busiest expert's logit.");
        }
    }

    [Fact]
    public void Gate_entropy_term_equals_float64_entropy_and_positive_weight_sharpens_the_gate()
    {
        var (gate, experts, labels) = RandomProblem(seed: 24, scale: 1f);
        var gateRows = ToRows(gate);
        double expected = gateRows.Average(row => -Float64Reference.LogSoftmax(row).Sum(l => Math.Exp(l) * l));

        var tape = new Tape(threads: 1);
        var gateVar = tape.Variable(gate);
        var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), labels, new MixtureOfExpertsLossOptions { GateEntropyWeight = 1f });
        Assert.Equal(expected, tape.Value(terms.GateEntropy!.Value).Span[0], 1e-5);
        tape.Backward(terms.GateEntropy.Value);

        // One small gradient step on the entropy alone lowers it.
        var stepped = gate.Clone();
        TensorPrimitives.MultiplyAdd(tape.Gradient(gateVar)!.Span, -0.1f, stepped.Span, stepped.Span);
        double after = ToRows(stepped).Average(row => -Float64Reference.LogSoftmax(row).Sum(l => Math.Exp(l) * l));
        Assert.True(after < expected);
    }

    [Fact]
    public void Invalid_labels_uniforms_and_temperature_are_rejected_clearly()
    {
        var (gate, experts, labels) = RandomProblem(seed: 25, scale: 1f);
        var tape = new Tape(threads: 1);
        var g = tape.Constant(gate);
        var x = tape.Constant(experts);
        var marginal = new MixtureOfExpertsLossOptions();

        int[] outOfRange = (int[])labels.Clone();
        outOfRange[3] = C;
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, outOfRange, marginal));
        Assert.Contains("row 3", e1.Message, StringComparison.Ordinal);
        outOfRange[3] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, outOfRange, marginal));
        Assert.Throws<ArgumentException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, labels[..3], marginal));

        var gumbel = new MixtureOfExpertsLossOptions { Objective = GateObjective.GumbelSoftmax };
        var e2 = Assert.Throws<ArgumentException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, labels, gumbel));
        Assert.Contains("uniforms", e2.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, labels, gumbel, tape.Constant(new Tensor(Rows, K + 1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => MixtureOfExpertsLoss.Compute(tape, g, x, labels, gumbel, tape.Constant(Uniforms(1)), temperature: 0f));
        Assert.Throws<ArgumentException>(() => MixtureOfExpertsLoss.Compute(tape, x, x, labels, marginal));
    }

    [Fact]
    public void Uniforms_at_the_ends_of_the_interval_give_finite_losses_and_gradients()
    {
        var (gate, experts, labels) = RandomProblem(seed: 26, scale: 1f);
        var uniforms = new Tensor(Rows, K);
        for (int i = 0; i < uniforms.Length; i++)
        {
            uniforms.Span[i] = i % 2 == 0 ? 0f : 1f;
        }

        foreach (var objective in new[] { GateObjective.GumbelSoftmax, GateObjective.StraightThrough })
        {
            var tape = new Tape(threads: 1);
            var gateVar = tape.Variable(gate);
            var terms = MixtureOfExpertsLoss.Compute(tape, gateVar, tape.Constant(experts), labels, new MixtureOfExpertsLossOptions { Objective = objective }, tape.Constant(uniforms), temperature: 0.1f);
            tape.Backward(terms.Total);
            Assert.True(float.IsFinite(tape.Value(terms.Total).Span[0]));
            Assert.True(tape.Gradient(gateVar)!.Span.ToArray().All(float.IsFinite));
        }
    }

    internal static int PerturbedArgMax(double[] logits, Tensor uniforms, int row)
    {
        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int e = 0; e < logits.Length; e++)
        {
            double v = logits[e] - Math.Log(-Math.Log(uniforms[row, e]));
            if (v > bestValue)
            {
                bestValue = v;
                best = e;
            }
        }

        return best;
    }

    internal static Tensor RandomFeatures(int rows, int columns, ulong seed)
    {
        var t = new Tensor(rows, columns);
        new RandomSource(seed).FillNormal(t.Span);
        return t;
    }

    internal static int[] RandomLabels(int rows, int classes, ulong seed)
    {
        var random = new RandomSource(seed);
        return [.. Enumerable.Range(0, rows).Select(_ => random.NextInt(classes))];
    }

    private static Tensor Uniforms(ulong seed)
    {
        var u = new Tensor(Rows, K);
        new RandomSource(seed).FillUniform(u.Span);
        return u;
    }

    private static (Tensor Gate, Tensor Experts, int[] Labels) RandomProblem(ulong seed, float scale)
    {
        var random = new RandomSource(seed);
        var gate = new Tensor(Rows, K);
        var experts = new Tensor(Rows, K, C);
        random.FillNormal(gate.Span, 0f, scale);
        random.FillNormal(experts.Span, 0f, scale);
        return (gate, experts, RandomLabels(Rows, C, seed + 100));
    }

    private static double[][] ToRows(Tensor t)
    {
        int n = t.Shape[0], w = t.Shape[1];
        return [.. Enumerable.Range(0, n).Select(r => t.Span.Slice(r * w, w).ToArray().Select(v => (double)v).ToArray())];
    }

    private static double[][][] ToRows3(Tensor t)
    {
        int n = t.Shape[0], k = t.Shape[1], c = t.Shape[2];
        return [.. Enumerable.Range(0, n).Select(r => Enumerable.Range(0, k).Select(e => t.Span.Slice(((r * k) + e) * c, c).ToArray().Select(v => (double)v).ToArray()).ToArray())];
    }
}
