using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsModelTests
{
    public static TheoryData<int[], int[], Activation> Architectures => new()
    {
        { [], [], Activation.Relu },
        { [6], [], Activation.Tanh },
        { [], [5], Activation.Relu },
        { [4, 3], [5, 4], Activation.Tanh },
        { [3], [6, 2, 3], Activation.Elu },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Batched_experts_equal_each_expert_evaluated_on_its_own(int[] gateHidden, int[] expertHidden, Activation activation)
    {
        var model = new MixtureOfExperts(4, 5, new MixtureOfExpertsArchitecture { Experts = 3, GateHiddenSizes = gateHidden, ExpertHiddenSizes = expertHidden, Activation = activation }, 7);
        RandomiseBiases(model, seed: 8);
        var features = MixtureOfExpertsLossTests.RandomFeatures(9, 4, seed: 9);
        var tape = new Tape(threads: 1);
        var x = tape.Constant(features);
        var expertLogits = tape.Value(model.ExpertLogits(tape, x));
        var gateLogits = tape.Value(model.GateLogits(tape, x));

        Assert.Equal(new[] { 9, 3, 5 }, expertLogits.ShapeArray());
        Assert.Equal(new[] { 9, 3 }, gateLogits.ShapeArray());
        var expectedExperts = Float64Reference.ExpertLogits(model, features);
        var expectedGate = Float64Reference.GateLogits(model, features);
        for (int r = 0; r < 9; r++)
        {
            for (int e = 0; e < 3; e++)
            {
                Assert.Equal(expectedGate[r][e], gateLogits[r, e], 1e-4);
                for (int c = 0; c < 5; c++)
                {
                    Assert.Equal(expectedExperts[r][e][c], expertLogits.Span[(((r * 3) + e) * 5) + c], 1e-4);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Marginal_loss_gradients_match_float64_finite_differences(int[] gateHidden, int[] expertHidden, Activation activation)
    {
        var model = new MixtureOfExperts(3, 4, new MixtureOfExpertsArchitecture { Experts = 3, GateHiddenSizes = gateHidden, ExpertHiddenSizes = expertHidden, Activation = activation }, 17);
        RandomiseBiases(model, seed: 18);
        var features = MixtureOfExpertsLossTests.RandomFeatures(6, 3, seed: 19);
        var labels = MixtureOfExpertsLossTests.RandomLabels(6, 4, seed: 20);
        var tape = new Tape(threads: 1);
        var terms = model.Loss(tape, tape.Constant(features), labels, new MixtureOfExpertsLossOptions());
        tape.Backward(terms.Total);

        double Reference(int parameter, int element, double shift) => Float64Reference.MarginalNegativeLogLikelihood(
            Float64Reference.GateLogits(model, features, (i, j) => i == parameter && j == element ? shift : 0),
            Float64Reference.ExpertLogits(model, features, (i, j) => i == parameter && j == element ? shift : 0),
            labels);

        Assert.Equal(Reference(0, 0, 0), tape.Value(terms.Total).Span[0], 1e-5);
        var random = new RandomSource(21);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            var parameter = model.Parameters[i];
            for (int trial = 0; trial < 4; trial++)
            {
                int j = random.NextInt(parameter.Value.Length);
                const double h = 1e-5;
                double numeric = (Reference(i, j, h) - Reference(i, j, -h)) / (2 * h);
                Assert.True(
                    Math.Abs(numeric - parameter.Grad.Span[j]) <= 1e-4 + (1e-3 * Math.Abs(numeric)),
                    $"{parameter.Name}[{j}]: tape {parameter.Grad.Span[j]}, finite differences {numeric}.");
            }
        }
    }

    [Fact]
    public void Soft_class_probabilities_are_the_gate_weighted_expert_probabilities()
    {
        var model = new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 4, ExpertHiddenSizes = [5] }, 2);
        var features = MixtureOfExpertsLossTests.RandomFeatures(8, 4, seed: 3);
        var predictions = model.Predict(features, threads: 1);

        var gate = Float64Reference.GateLogits(model, features);
        var experts = Float64Reference.ExpertLogits(model, features);
        for (int r = 0; r < 8; r++)
        {
            double rowSum = 0;
            var gateProbabilities = Float64Reference.LogSoftmax(gate[r]).Select(Math.Exp).ToArray();
            for (int c = 0; c < 3; c++)
            {
                double expected = Enumerable.Range(0, 4).Sum(e => gateProbabilities[e] * Math.Exp(Float64Reference.LogSoftmax(experts[r][e])[c]));
                Assert.Equal(expected, predictions.Probabilities[r, c], 1e-5);
                rowSum += predictions.Probabilities[r, c];
            }

            Assert.Equal(1.0, rowSum, 1e-5);
            for (int e = 0; e < 4; e++)
            {
                Assert.Equal(gateProbabilities[e], predictions.GateProbabilities[r, e], 1e-5);
            }

            Assert.Equal(Array.IndexOf(gateProbabilities, gateProbabilities.Max()), predictions.Experts[r]);
            Assert.Equal(TensorPrimitives.IndexOfMax(predictions.Probabilities.RowSpan(r)), predictions.PredictedClasses[r]);
        }
    }

    [Fact]
    public void Parameters_have_documented_shapes_and_unique_names()
    {
        var model = new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 5, GateHiddenSizes = [7], ExpertHiddenSizes = [6, 2] });
        Assert.Equal(new[] { 30, 4 }, model.ExpertWeights[0].Value.ShapeArray());
        Assert.Equal(new[] { 30 }, model.ExpertBiases[0].Value.ShapeArray());
        Assert.Equal(new[] { 5, 6, 2 }, model.ExpertWeights[1].Value.ShapeArray());
        Assert.Equal(new[] { 5, 1, 2 }, model.ExpertBiases[1].Value.ShapeArray());
        Assert.Equal(new[] { 5, 2, 3 }, model.ExpertWeights[2].Value.ShapeArray());
        Assert.Equal(4 + 6, model.Parameters.Count);
        Assert.Equal(model.Parameters.Count, model.Parameters.Select(p => p.Name).Distinct().Count());
        Assert.DoesNotContain(model.ExpertBiases, b => b.ApplyWeightDecay);
    }

    [Fact]
    public void Equal_seeds_give_equal_models_and_different_seeds_differ()
    {
        var architecture = new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [4] };
        var a = new MixtureOfExperts(3, 2, architecture, 5);
        var b = new MixtureOfExperts(3, 2, architecture, 5);
        var c = new MixtureOfExperts(3, 2, architecture, 6);
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            Assert.Equal(a.Parameters[i].Value.ToArray(), b.Parameters[i].Value.ToArray());
        }

        Assert.NotEqual(a.ExpertWeights[0].Value.ToArray(), c.ExpertWeights[0].Value.ToArray());
    }

    [Fact]
    public void Wrong_feature_counts_and_bad_options_are_rejected_clearly()
    {
        var model = new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [] });
        var tape = new Tape(threads: 1);
        var wrong = tape.Constant(new Tensor(5, 3));
        var error = Assert.Throws<ArgumentException>(() => model.GateLogits(tape, wrong));
        Assert.Contains("[N, 4]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[5, 3]", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.ExpertLogits(tape, wrong));
        Assert.Throws<ArgumentException>(() => model.ExpertLogits(tape, tape.Constant(new Tensor(4))));
        Assert.Throws<ArgumentException>(() => model.Loss(tape, wrong, [0, 1, 2, 0, 1], new MixtureOfExpertsLossOptions()));
        Assert.Throws<ArgumentException>(() => model.Predict(new Tensor(5, 3)));
        Assert.Throws<ArgumentException>(() => model.PredictTopK(new Tensor(5, 5), 1));

        var x = tape.Constant(new Tensor(2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss(tape, x, [0, 3], new MixtureOfExpertsLossOptions()));
        Assert.Throws<ArgumentException>(() => model.Loss(tape, x, [0], new MixtureOfExpertsLossOptions()));
        Assert.Throws<ArgumentNullException>(() => model.Loss(tape, x, [0, 1], new MixtureOfExpertsLossOptions { Objective = GateObjective.StraightThrough }));
        Assert.Throws<ArgumentException>(() => model.Loss(tape, x, [0, 1], new MixtureOfExpertsLossOptions { Objective = GateObjective.StraightThrough }, new Tensor(3, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictTopK(new Tensor(2, 4), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictTopK(new Tensor(2, 4), 3));

        Assert.Throws<ArgumentException>(() => new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 0, ExpertHiddenSizes = [] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixtureOfExperts(0, 3, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [] }));
        Assert.Throws<ArgumentException>(() => new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [4, 0] }));
    }

    /// <summary>Biases start at zero; random ones make the comparisons check that biases are applied to the right expert.</summary>
    private static void RandomiseBiases(MixtureOfExperts model, ulong seed)
    {
        var random = new RandomSource(seed);
        foreach (var p in model.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            random.FillNormal(p.Value.Span, 0f, 0.5f);
        }
    }
}
