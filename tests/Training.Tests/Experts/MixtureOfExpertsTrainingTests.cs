using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsTrainingTests
{
    private const int Classes = 3;

    [Theory]
    [InlineData(GateObjective.Marginal)]
    [InlineData(GateObjective.GumbelSoftmax)]
    [InlineData(GateObjective.StraightThrough)]
    public void Each_objective_learns_a_multi_cluster_problem_with_plain_sgd(GateObjective objective)
    {
        var (features, labels) = Blobs(perBlob: 30, seed: 71);
        var model = new MixtureOfExperts(2, Classes, new MixtureOfExpertsArchitecture { Experts = 4, ExpertHiddenSizes = [] }, 72);
        var options = new MixtureOfExpertsLossOptions { Objective = objective };
        var random = new RandomSource(73);
        var tape = new Tape(threads: 1);

        float MarginalLoss()
        {
            var evaluation = new Tape(threads: 1) { RecordGradients = false };
            var terms = model.Loss(evaluation, evaluation.Constant(features), labels, new MixtureOfExpertsLossOptions());
            return evaluation.Value(terms.NegativeLogLikelihood).Span[0];
        }

        float before = MarginalLoss();
        double chance = Accuracy(model.Predict(features, threads: 1), labels);
        for (int step = 0; step < 400; step++)
        {
            foreach (var p in model.Parameters)
            {
                p.ZeroGrad();
            }

            tape.Reset();
            var terms = model.Loss(tape, tape.Constant(features), labels, options, random, temperature: 0.5f);
            tape.Backward(terms.Total);
            foreach (var p in model.Parameters)
            {
                TensorPrimitives.MultiplyAdd(p.Grad.Span, -0.3f, p.Value.Span, p.Value.Span);
            }
        }

        float after = MarginalLoss();
        double softAccuracy = Accuracy(model.Predict(features, threads: 1), labels);
        double top1Accuracy = Accuracy(model.PredictTopK(features, 1, threads: 1), labels);
        Assert.True(after < 0.6f * before, $"{objective}: marginal loss {before} -> {after}.");
        Assert.True(softAccuracy > 0.8, $"{objective}: soft accuracy {softAccuracy} (chance 1/3, initial {chance}).");
        Assert.True(top1Accuracy > 0.75, $"{objective}: top-1 accuracy {top1Accuracy}.");
    }

    /// <summary>Nine Gaussian blobs on a 3x3 grid, three per class: blob (i, j) has class (i + j) mod 3 (diagonal stripes).</summary>
    private static (Tensor Features, int[] Labels) Blobs(int perBlob, ulong seed)
    {
        var random = new RandomSource(seed);
        var features = new Tensor(9 * perBlob, 2);
        var labels = new int[9 * perBlob];
        int row = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int s = 0; s < perBlob; s++, row++)
                {
                    features[row, 0] = (2f * (i - 1)) + (0.35f * (float)random.NextNormal());
                    features[row, 1] = (2f * (j - 1)) + (0.35f * (float)random.NextNormal());
                    labels[row] = (i + j) % Classes;
                }
            }
        }

        return (features, labels);
    }

    private static double Accuracy(ExpertPredictions predictions, int[] labels) =>
        labels.Where((label, i) => predictions.PredictedClasses[i] == label).Count() / (double)labels.Length;
}
