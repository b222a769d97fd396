using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Experts;

/// <summary>The native soft inference (<see cref="MixtureOfExperts.Predict"/>) against the training graph and a float64 reference.</summary>
public sealed class MixtureOfExpertsSoftInferenceTests
{
    public static TheoryData<int[], int[], int, Activation> Architectures => new()
    {
        { [], [], 3, Activation.Relu },        // linear experts: the padded layer is the stacked first one
        { [], [7], 8, Activation.Relu },       // classes already a multiple of 8: no padding
        { [5], [6], 26, Activation.Relu },
        { [4], [6, 3], 5, Activation.Relu },   // a strided middle layer with bias and activation
        { [], [6, 5], 11, Activation.Tanh },
        { [3], [9], 4, Activation.Gelu },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Equals_the_training_graph_across_several_batches(int[] gateHidden, int[] expertHidden, int classes, Activation activation)
    {
        var model = new MixtureOfExperts(6, classes, new MixtureOfExpertsArchitecture { Experts = 4, GateHiddenSizes = gateHidden, ExpertHiddenSizes = expertHidden, Activation = activation }, 41);
        int rows = (2 * MixtureOfExperts.PredictBatchSize) + 17;
        var features = MixtureOfExpertsLossTests.RandomFeatures(rows, 6, seed: 42);
        var native = model.Predict(features, threads: 1);
        var graph = model.PredictOnGraph(features);
        MixtureOfExpertsRoutingTests.AssertClose(graph.Probabilities, native.Probabilities, 2e-6f);
        MixtureOfExpertsRoutingTests.AssertClose(graph.GateProbabilities, native.GateProbabilities, 2e-6f);
        Assert.Equal(graph.PredictedClasses, native.PredictedClasses);
        Assert.Equal(graph.Experts, native.Experts);
    }

    [Fact]
    public void Gives_the_same_bits_on_any_number_of_threads()
    {
        var model = new MixtureOfExperts(6, 26, new MixtureOfExpertsArchitecture { Experts = 8, ExpertHiddenSizes = [16] }, 43);
        var features = MixtureOfExpertsLossTests.RandomFeatures((5 * MixtureOfExperts.PredictBatchSize) + 3, 6, seed: 44);
        var one = model.Predict(features, threads: 1);
        var two = model.Predict(features, threads: 2);
        var all = model.Predict(features);
        Assert.Equal(one.Probabilities.ToArray(), two.Probabilities.ToArray());
        Assert.Equal(one.Probabilities.ToArray(), all.Probabilities.ToArray());
        Assert.Equal(one.GateProbabilities.ToArray(), two.GateProbabilities.ToArray());
    }

    [Fact]
    public void Keeps_an_expert_whose_logits_all_lie_far_below_another_experts()
    {
        // Expert 1's logits are shifted 300 below expert 0's: exponentiated against the row's largest logit they
        // underflow to 0, so the kernel must re-normalise that expert against its own maximum. The gate favours
        // expert 1, so the answer is mostly expert 1's distribution.
        var model = new MixtureOfExperts(3, 4, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [] }, 45);
        var bias = model.ExpertBiases[0].Value.Span; // [K*C]: expert 1 owns entries 4..7
        for (int i = 0; i < 4; i++)
        {
            bias[i] += 150f;
            bias[4 + i] -= 150f;
        }

        var gateBias = model.Gate.Layers[^1].Bias!.Value.Span;
        gateBias[1] += 3f;
        var features = MixtureOfExpertsLossTests.RandomFeatures(20, 3, seed: 46);
        var native = model.Predict(features, threads: 1);
        var gate = Float64Reference.GateLogits(model, features);
        var experts = Float64Reference.ExpertLogits(model, features);
        for (int r = 0; r < 20; r++)
        {
            var g = Float64Reference.LogSoftmax(gate[r]).Select(Math.Exp).ToArray();
            double total = 0;
            for (int c = 0; c < 4; c++)
            {
                double expected = Enumerable.Range(0, 2).Sum(e => g[e] * Math.Exp(Float64Reference.LogSoftmax(experts[r][e])[c]));
                Assert.Equal(expected, native.Probabilities[r, c], 1e-5);
                total += native.Probabilities[r, c];
            }

            Assert.Equal(1.0, total, 1e-5);
        }
    }

    [Fact]
    public void Scores_a_single_row_like_the_same_row_in_a_batch()
    {
        var model = new MixtureOfExperts(6, 26, new MixtureOfExpertsArchitecture { Experts = 8, ExpertHiddenSizes = [16] }, 47);
        var features = MixtureOfExpertsLossTests.RandomFeatures(200, 6, seed: 48);
        var batch = model.Predict(features, threads: 1);
        for (int r = 0; r < 200; r += 37)
        {
            var single = model.Predict(new Tensor(features.RowSpan(r).ToArray(), 1, 6), threads: 1);
            Assert.Equal(batch.Probabilities.RowSpan(r).ToArray(), single.Probabilities.RowSpan(0).ToArray());
        }
    }
}
