using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Experts;

public sealed class MixtureOfExpertsObjectiveTests
{
    private const int Classes = 3;

    [Fact]
    public void A_short_run_anneals_the_planned_temperature_to_its_floor_and_reports_utilisation_from_training_rows()
    {
        var (features, labels) = Blobs(perBlob: 20, seed: 11);
        var model = new MixtureOfExperts(2, Classes, new MixtureOfExpertsArchitecture { Experts = 4, ExpertHiddenSizes = [8] }, 12);
        var objective = new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions { Objective = GateObjective.GumbelSoftmax, LoadBalancingWeight = 0.01f }) { Threads = 1 };
        var reports = new List<TrainingProgress>();
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 60, BatchSize = 32, LearningRate = 0.01f }, Threads = 1 }, new ListProgress(reports), cancellationToken: TestContext.Current.CancellationToken);

        // 180 rows / 32 = 5 steps an epoch, 300 steps in all: far fewer than a fixed per-step rate needs.
        Assert.Equal(300, result.Steps);
        var temperatures = reports.Select(r => r.Statistics[MixtureOfExpertsStatistics.Temperature]).ToArray();
        Assert.True(temperatures[0] > 0.95, $"first epoch τ {temperatures[0]}");
        Assert.Equal(0.5, temperatures[^1], 6);
        Assert.Equal(0.5f, objective.LastTemperature);
        Assert.True(temperatures.Zip(temperatures.Skip(1), (a, b) => b <= a).All(x => x), "τ must never rise.");
        Assert.Equal(0.5, objective.TemperatureAt(new TrainingStep(240, 47, 300, new RandomSource(1))), 6);

        var last = reports[^1].Statistics;
        Assert.False(last.ContainsKey(MixtureOfExpertsStatistics.ValidationAccuracy));
        var shares = MixtureOfExpertsStatistics.ExpertShares(last);
        Assert.Equal(4, shares.Count);
        Assert.Equal(1.0, shares.Sum(), 9);
        Assert.Equal(shares.Count(s => s == 0), last[MixtureOfExpertsStatistics.UnusedExperts]);
        var (accuracy, _) = MixtureOfExpertsObjective.Score(model.Predict(features, threads: 1), labels);
        Assert.True(accuracy > 0.9, $"training accuracy {accuracy}");
    }

    [Fact]
    public void Validation_scores_follow_the_chosen_metric_and_a_fixed_schedule_replaces_the_planned_one()
    {
        var (features, labels) = Blobs(perBlob: 10, seed: 21);
        var (validationFeatures, validationLabels) = Blobs(perBlob: 5, seed: 22);
        var model = new MixtureOfExperts(2, Classes, new MixtureOfExpertsArchitecture { Experts = 3, ExpertHiddenSizes = [] }, 23);
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.StraightThrough };
        var byAccuracy = new MixtureOfExpertsObjective(model, features, labels, options, validationFeatures, validationLabels)
        {
            ValidationMetric = MixtureOfExpertsValidationMetric.Accuracy,
            Temperature = { Schedule = new ConstantSchedule(0.7f) },
            Threads = 1,
        };
        var byLogLoss = new MixtureOfExpertsObjective(model, features, labels, options, validationFeatures, validationLabels) { Threads = 1 };

        var (accuracy, logLoss) = MixtureOfExpertsObjective.Score(model.Predict(validationFeatures, threads: 1), validationLabels);
        Assert.Equal(accuracy, byAccuracy.Validate(), 12);
        Assert.Equal(-logLoss, byLogLoss.Validate(), 12);
        Assert.Equal("validation accuracy", byAccuracy.ValidationName);
        Assert.Equal(MixtureOfExpertsValidationMetric.NegativeLogLoss, byLogLoss.ValidationMetric);
        Assert.True(byAccuracy.HasValidation);

        var tape = new Tape(threads: 1);
        var step = new TrainingStep(5, 0, 10, new RandomSource(3));
        byAccuracy.BatchLoss(tape, [0, 1, 2, 3], step);
        Assert.Equal(0.7f, byAccuracy.LastTemperature);
        var statistics = byAccuracy.EpochStatistics(step);
        Assert.Equal(0.7, statistics[MixtureOfExpertsStatistics.Temperature], 6);
        Assert.Equal(accuracy, statistics[MixtureOfExpertsStatistics.ValidationAccuracy], 12);
        Assert.Equal(logLoss, statistics[MixtureOfExpertsStatistics.ValidationLogLoss], 12);
    }

    [Fact]
    public void The_marginal_objective_has_no_temperature_and_bad_data_is_rejected()
    {
        var (features, labels) = Blobs(perBlob: 4, seed: 31);
        var model = new MixtureOfExperts(2, Classes, new MixtureOfExpertsArchitecture { Experts = 2, ExpertHiddenSizes = [] }, 32);
        var objective = new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions());
        var tape = new Tape(threads: 1);
        var step = new TrainingStep(0, 0, 1, new RandomSource(1));
        objective.BatchLoss(tape, [0, 1], step);
        Assert.True(float.IsNaN(objective.LastTemperature));
        Assert.False(objective.EpochStatistics(step).ContainsKey(MixtureOfExpertsStatistics.Temperature));

        Assert.Throws<ArgumentException>(() => new MixtureOfExpertsObjective(model, new Tensor(36, 3), labels, new MixtureOfExpertsLossOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixtureOfExpertsObjective(model, features, [.. labels[..^1], 7], new MixtureOfExpertsLossOptions()));
        Assert.Throws<ArgumentException>(() => new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions(), features, null));
    }

    /// <summary>Nine Gaussian blobs on a 3x3 grid; blob (i, j) has class (i + j) mod 3.</summary>
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
                    features[row, 0] = (2f * (i - 1)) + (0.3f * (float)random.NextNormal());
                    features[row, 1] = (2f * (j - 1)) + (0.3f * (float)random.NextNormal());
                    labels[row] = (i + j) % Classes;
                }
            }
        }

        return (features, labels);
    }

    private sealed class ListProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
