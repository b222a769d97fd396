using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Trainers;

public sealed class MinibatchTrainerTests
{
    [Fact]
    public void Fits_a_linear_regression_and_keeps_the_best_validation_parameters()
    {
        var objective = new LinearRegressionObjective(seed: 1);
        var reports = new List<TrainingProgress>();
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 40, BatchSize = 32, LearningRate = 0.05f }, Seed = 3, Threads = 1 }, new SyncProgress(reports), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(result.EpochsRun, reports.Count);
        Assert.True(reports[^1].TrainingLoss < 0.1 * reports[0].TrainingLoss, $"loss {reports[0].TrainingLoss} -> {reports[^1].TrainingLoss}");
        Assert.Equal(2f, objective.W.Value.Span[0], 1);
        Assert.Equal(-3f, objective.W.Value.Span[1], 1);
        // The kept parameters are those of the best epoch.
        Assert.Equal(result.BestValidation!.Value, objective.Validate(), 6);
        Assert.Equal(reports.Max(r => r.Validation!.Value), result.BestValidation.Value, 9);
        Assert.All(reports, r => Assert.True(r.SamplesPerSecond > 0));
    }

    [Fact]
    public void Early_stopping_ends_training_when_validation_stops_improving()
    {
        var objective = new LinearRegressionObjective(seed: 1) { ValidationOverride = epoch => epoch <= 3 ? epoch : 0 };
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 100, BatchSize = 32 }, Validation = { EarlyStoppingPatience = 4 }, Threads = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.StoppedEarly);
        Assert.Equal(3, result.BestEpoch);
        Assert.Equal(7, result.EpochsRun);
    }

    [Fact]
    public void Epochs_whose_parameters_may_not_be_kept_never_become_the_best()
    {
        // Validation falls from epoch to epoch, so without the veto epoch 1 would be kept.
        var objective = new LinearRegressionObjective(seed: 1) { ValidationOverride = epoch => 10 - epoch, MayKeepOverride = epoch => epoch > 3 };
        var reports = new List<TrainingProgress>();
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 6, BatchSize = 32 }, Validation = { EarlyStoppingPatience = 0 }, Threads = 1 }, new SyncProgress(reports), TestContext.Current.CancellationToken);
        Assert.Equal([false, false, false, true, false, false], reports.Select(r => r.IsBest));
        Assert.Equal([null, null, null, 6.0, 6.0, 6.0], reports.Select(r => r.BestValidation));
        Assert.Equal(4, result.BestEpoch);
        Assert.Equal(6, result.BestValidation);
    }

    [Fact]
    public void A_row_visit_cap_plans_fewer_epochs_and_runs_the_schedule_over_them()
    {
        // 256 training rows: a cap of 1,000 visits plans ceil(1000 / 256) = 4 of the 100 epochs.
        var objective = new LinearRegressionObjective(seed: 1);
        var reports = new List<TrainingProgress>();
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 100, BatchSize = 32, MaxRowVisits = 1000 }, Validation = { EarlyStoppingPatience = 0 }, Threads = 1 }, new SyncProgress(reports), TestContext.Current.CancellationToken);
        Assert.Equal(4, result.EpochsRun);
        Assert.All(reports, r => Assert.Equal(4, r.Epochs));
        Assert.Equal(4 * (256 / 32), result.Steps);
        // The cosine schedule reaches its end at the last planned step, not at epoch 100's.
        Assert.True(reports[^1].LearningRate < 0.05 * 1e-3, $"final learning rate {reports[^1].LearningRate}");
    }

    [Theory]
    [InlineData(0L, 1000L, 100)]
    [InlineData(1_000_000L, 1000L, 100)]
    [InlineData(50_000L, 1000L, 50)]
    [InlineData(50_001L, 1000L, 51)]
    [InlineData(10L, 1000L, 1)]
    public void Planned_epochs_follow_the_row_visit_cap(long cap, long rows, int expected)
    {
        Assert.Equal(expected, new OptimizationOptions { Epochs = 100, MaxRowVisits = cap }.PlannedEpochs(rows));
    }

    [Fact]
    public void A_negative_row_visit_cap_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new OptimizationOptions { MaxRowVisits = -1 }.Validate());
        Assert.Contains("MaxRowVisits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameter_averaging_validates_and_keeps_the_moving_average_of_the_raw_parameters()
    {
        // One step per epoch (a batch of all 256 rows), so each validation sees the parameters after one more step.
        const int epochs = 12;
        const float decay = 0.8f;
        (List<float[]> Validated, float[] Kept, float[] Initial) Run(float averaging)
        {
            var validated = new List<float[]>();
            LinearRegressionObjective? o = null;
            o = new LinearRegressionObjective(seed: 1)
            {
                // Always improving, so the last epoch is kept; records what each epoch validates.
                ValidationOverride = epoch =>
                {
                    validated.Add([.. o!.W.Value.ToArray(), .. o.B.Value.ToArray()]);
                    return epoch;
                },
            };
            float[] initial = [.. o.W.Value.ToArray(), .. o.B.Value.ToArray()];
            var options = new TrainerOptions { Optimization = { Epochs = epochs, BatchSize = 256, LearningRate = 0.1f, ParameterAveragingDecay = averaging }, Validation = { EarlyStoppingPatience = 0 }, Seed = 3, Threads = 1 };
            MinibatchTrainer.Fit(o, options, cancellationToken: TestContext.Current.CancellationToken);
            return (validated, [.. o.W.Value.ToArray(), .. o.B.Value.ToArray()], initial);
        }

        var (raw, rawKept, initial) = Run(0);
        var (averaged, averagedKept, _) = Run(decay);

        // The raw run validates the raw parameters; replaying the documented average over them gives what the
        // averaging run validated, epoch by epoch (so averaging does not disturb the raw trajectory).
        var expected = (float[])initial.Clone();
        for (int step = 1; step <= epochs; step++)
        {
            float weight = 1f - Math.Min(decay, (1f + step) / (10f + step));
            for (int j = 0; j < expected.Length; j++)
            {
                expected[j] += weight * (raw[step - 1][j] - expected[j]);
            }

            for (int j = 0; j < expected.Length; j++)
            {
                Assert.Equal(expected[j], averaged[step - 1][j], 5);
            }
        }

        Assert.Equal(raw[^1], rawKept);
        Assert.Equal(averaged[^1], averagedKept); // the kept model holds the averaged weights
        Assert.NotEqual(rawKept[0], averagedKept[0], 3); // and they are not the raw ones
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void Bad_parameter_averaging_decays_are_rejected(float decay)
    {
        var e = Assert.Throws<ArgumentException>(() => new OptimizationOptions { ParameterAveragingDecay = decay }.Validate());
        Assert.Contains("ParameterAveragingDecay", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancellation_stops_cleanly_and_restores_the_best_parameters()
    {
        var objective = new LinearRegressionObjective(seed: 1);
        using var cts = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var progress = new SyncProgress(reports, r => { if (r.Epoch == 2) { cts.Cancel(); } });
        var result = MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 50, BatchSize = 16 }, Threads = 1 }, progress, cts.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(2, result.EpochsRun);
        Assert.Equal(result.BestValidation!.Value, objective.Validate(), 6);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_parameters()
    {
        float[] Run()
        {
            var o = new LinearRegressionObjective(seed: 5);
            MinibatchTrainer.Fit(o, new TrainerOptions { Optimization = { Epochs = 5, BatchSize = 8 }, Seed = 11, Threads = 2 });
            return [.. o.W.Value.ToArray(), .. o.B.Value.ToArray()];
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Divergence_raises_a_clear_error_and_keeps_finite_parameters()
    {
        var objective = new LinearRegressionObjective(seed: 1) { Scale = 1e20f };
        var e = Assert.Throws<TrainingDivergedException>(() =>
            MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 20, BatchSize = 8, LearningRate = 1f, GradientClipNorm = 0 }, Threads = 1 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("diverged at epoch", e.Message, StringComparison.Ordinal);
        Assert.Contains("learning rate", e.Message, StringComparison.Ordinal);
        Assert.All(objective.W.Value.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Invalid_options_name_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => MinibatchTrainer.Fit(new LinearRegressionObjective(1), new TrainerOptions { Optimization = { BatchSize = 0 } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("BatchSize", e.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(List<TrainingProgress> sink, Action<TrainingProgress>? also = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            sink.Add(value);
            also?.Invoke(value);
        }
    }

    /// <summary>y = 2 x0 - 3 x1 + 0.5 + noise; validation score = -MSE on held-out rows.</summary>
    private sealed class LinearRegressionObjective : ITrainingObjective
    {
        private readonly Tensor _x;
        private readonly Tensor _y;
        private readonly Tensor _vx;
        private readonly Tensor _vy;
        private int _epoch;

        public LinearRegressionObjective(ulong seed)
        {
            var r = new RandomSource(seed);
            (_x, _y) = Make(256, r);
            (_vx, _vy) = Make(64, r);
            Parameters = [W, B];
        }

        public Parameter W { get; } = new("w", 2);

        public Parameter B { get; } = new("b", 1);

        public float Scale { get; init; } = 1f;

        public Func<int, double>? ValidationOverride { get; init; }

        public Func<int, bool>? MayKeepOverride { get; init; }

        public IReadOnlyList<Parameter> Parameters { get; }

        public int TrainingRows => _x.Rows;

        public bool HasValidation => true;

        public string ValidationName => "-MSE";

        public bool MayKeepCurrentParameters => MayKeepOverride?.Invoke(_epoch) ?? true;

        public Var BatchLoss(Tape tape, ReadOnlySpan<int> rows, TrainingStep step)
        {
            _epoch = step.Epoch + 1;
            var bx = new Tensor(rows.Length, 2);
            var by = new Tensor(rows.Length, 1);
            for (int i = 0; i < rows.Length; i++)
            {
                _x.RowSpan(rows[i]).CopyTo(bx.RowSpan(i));
                by.Span[i] = _y.Span[rows[i]] * Scale;
            }

            var pred = tape.Add(tape.MatMul(tape.Constant(bx), tape.Reshape(tape.Param(W), 2, 1)), tape.Param(B));
            return tape.MeanAll(tape.Square(tape.Subtract(pred, tape.Constant(by))));
        }

        public double Validate()
        {
            if (ValidationOverride is not null)
            {
                return ValidationOverride(_epoch);
            }

            double se = 0;
            for (int i = 0; i < _vx.Rows; i++)
            {
                double p = (W.Value.Span[0] * _vx.RowSpan(i)[0]) + (W.Value.Span[1] * _vx.RowSpan(i)[1]) + B.Value.Span[0];
                se += (p - _vy.Span[i]) * (p - _vy.Span[i]);
            }

            return -se / _vx.Rows;
        }

        public IReadOnlyDictionary<string, double> EpochStatistics(TrainingStep step) => new Dictionary<string, double>();

        private static (Tensor X, Tensor Y) Make(int n, RandomSource r)
        {
            var x = new Tensor(n, 2);
            var y = new Tensor(n);
            r.FillNormal(x.Span);
            for (int i = 0; i < n; i++)
            {
                y.Span[i] = (2f * x.RowSpan(i)[0]) - (3f * x.RowSpan(i)[1]) + 0.5f + (0.05f * (float)r.NextNormal());
            }

            return (x, y);
        }
    }
}
