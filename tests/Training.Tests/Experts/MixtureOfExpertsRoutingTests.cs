using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsRoutingTests
{
    public static TheoryData<int[], int[]> Architectures => new()
    {
        { [], [] },
        { [5], [] },
        { [], [6] },
        { [4], [6, 3] },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Top_k_with_every_expert_equals_soft_inference(int[] gateHidden, int[] expertHidden)
    {
        var model = new MixtureOfExperts(5, 4, new MixtureOfExpertsArchitecture { Experts = 3, GateHiddenSizes = gateHidden, ExpertHiddenSizes = expertHidden }, 31);
        var features = MixtureOfExpertsLossTests.RandomFeatures(40, 5, seed: 32);
        var soft = model.Predict(features, threads: 1);
        var topK = model.PredictTopK(features, 3, threads: 1);
        AssertClose(soft.Probabilities, topK.Probabilities, 1e-5f);
        AssertClose(soft.GateProbabilities, topK.GateProbabilities, 1e-5f);
        Assert.Equal(soft.Experts, topK.Experts);
        Assert.Equal(soft.PredictedClasses, topK.PredictedClasses);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Top_1_equals_soft_inference_when_the_gate_is_one_hot(int[] gateHidden, int[] expertHidden)
    {
        var model = new MixtureOfExperts(5, 4, new MixtureOfExpertsArchitecture { Experts = 4, GateHiddenSizes = gateHidden, ExpertHiddenSizes = expertHidden }, 41);
        var features = MixtureOfExpertsLossTests.RandomFeatures(60, 5, seed: 42);

        // A gate with enormous logits is one-hot to float precision, but still routes rows to different experts.
        // Random biases break the ties of rows whose ReLU hidden units are all off.
        var random = new RandomSource(43);
        foreach (var layer in model.Gate.Layers)
        {
            random.FillNormal(layer.Bias!.Value.Span, 0f, 0.1f);
        }

        var last = model.Gate.Layers[^1];
        random.FillNormal(last.Weight.Value.Span);
        TensorPrimitives.Multiply(last.Weight.Value.Span, 1e5f, last.Weight.Value.Span);
        TensorPrimitives.Multiply(last.Bias!.Value.Span, 1e5f, last.Bias.Value.Span);
        var soft = model.Predict(features, threads: 1);
        Assert.All(Enumerable.Range(0, 60), r => Assert.True(TensorPrimitives.Max(soft.GateProbabilities.RowSpan(r)) > 1f - 1e-6f, $"Row {r} is not one-hot."));
        Assert.True(soft.Experts.Distinct().Count() >= 3, $"The test gate should use several experts: {string.Join(",", soft.Experts)}");

        var top1 = model.PredictTopK(features, 1, threads: 1);
        AssertClose(soft.Probabilities, top1.Probabilities, 1e-5f);
        Assert.Equal(soft.Experts, top1.Experts);
        Assert.Equal(soft.PredictedClasses, top1.PredictedClasses);
    }

    [Fact]
    public void Top_2_mixes_the_two_most_probable_experts_with_renormalised_weights()
    {
        var model = new MixtureOfExperts(3, 5, new MixtureOfExpertsArchitecture { Experts = 4, ExpertHiddenSizes = [4] }, 51);
        var features = MixtureOfExpertsLossTests.RandomFeatures(25, 3, seed: 52);
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var outputs = model.Forward(tape, tape.Constant(features));
        var gateLogProbabilities = tape.Value(outputs.GateLogProbabilities);
        var expertLogProbabilities = tape.Value(outputs.ExpertLogProbabilities);

        var top2 = model.PredictTopK(features, 2, threads: 1);
        for (int r = 0; r < 25; r++)
        {
            var order = Enumerable.Range(0, 4).OrderByDescending(e => gateLogProbabilities[r, e]).ThenBy(e => e).ToArray();
            double w0 = Math.Exp(gateLogProbabilities[r, order[0]]), w1 = Math.Exp(gateLogProbabilities[r, order[1]]);
            double sum = 0;
            for (int c = 0; c < 5; c++)
            {
                double p0 = Math.Exp(expertLogProbabilities.Span[(((r * 4) + order[0]) * 5) + c]);
                double p1 = Math.Exp(expertLogProbabilities.Span[(((r * 4) + order[1]) * 5) + c]);
                double expected = ((w0 * p0) + (w1 * p1)) / (w0 + w1);
                Assert.Equal(expected, top2.Probabilities[r, c], 1e-5);
                sum += top2.Probabilities[r, c];
            }

            Assert.Equal(1.0, sum, 1e-5);
            Assert.Equal(order[0], top2.Experts[r]);
        }
    }

    [Fact]
    public void Utilization_reports_routing_fractions_mean_probabilities_and_entropy()
    {
        var gate = Tensor.FromValues([0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f, 0.6f, 0.3f, 0.1f, 1f, 0f, 0f], 4, 3);
        var stats = ExpertUtilization.FromGateProbabilities(gate);
        Assert.Equal([0.75, 0.25, 0.0], stats.RoutingFractions.Select(v => Math.Round(v, 12)));
        Assert.Equal(0.6, stats.MeanGateProbabilities[0], 1e-6);
        Assert.Equal(0.325, stats.MeanGateProbabilities[1], 1e-6);
        Assert.Equal(0.075, stats.MeanGateProbabilities[2], 1e-6);
        Assert.Equal(1, stats.UnusedExperts);
        static double H(params double[] p) => -p.Where(v => v > 0).Sum(v => v * Math.Log(v));
        Assert.Equal((H(0.7, 0.2, 0.1) + H(0.1, 0.8, 0.1) + H(0.6, 0.3, 0.1) + H(1, 0, 0)) / 4, stats.MeanGateEntropy, 1e-6);
    }

    [Fact]
    public void Utilization_of_predictions_is_consistent_with_their_gates()
    {
        var model = new MixtureOfExperts(4, 3, new MixtureOfExpertsArchitecture { Experts = 5, GateHiddenSizes = [6], ExpertHiddenSizes = [] }, 61);
        var predictions = model.Predict(MixtureOfExpertsLossTests.RandomFeatures(50, 4, seed: 62), threads: 1);
        var stats = predictions.Utilization();
        Assert.Equal(1.0, stats.RoutingFractions.Sum(), 1e-9);
        Assert.Equal(1.0, stats.MeanGateProbabilities.Sum(), 1e-5);
        Assert.InRange(stats.MeanGateEntropy, 0.0, Math.Log(5) + 1e-6);
        for (int e = 0; e < 5; e++)
        {
            Assert.Equal(predictions.Experts.Count(x => x == e) / 50.0, stats.RoutingFractions[e], 1e-12);
        }
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tolerance)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected.Span[i] - actual.Span[i]) <= tolerance, $"Element {i}: {expected.Span[i]} vs {actual.Span[i]}.");
        }
    }
}
