using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tests.Trainers;

/// <summary>Batches cut into parts on separate tapes and threads: the same gradient, whatever the thread count.</summary>
public sealed class DataParallelGradientTests
{
    [Theory]
    [InlineData(256, 128, 2, 2)]
    [InlineData(512, 128, 2, 2)]
    [InlineData(512, 128, 16, 4)]
    [InlineData(100, 128, 2, 1)]
    [InlineData(5000, 128, 64, 8)]
    [InlineData(256, 0, 2, 1)]
    [InlineData(256, 128, 1, 1)]
    public void A_batch_is_cut_by_its_size_and_the_cores_never_by_the_thread_count(int batch, int rowsPerPart, int cores, int parts)
    {
        Assert.Equal(parts, DataParallelGradient.PartsFor(batch, rowsPerPart, cores));
        using var gradient = new DataParallelGradient([new Parameter("p", 1)], batch, threads: 3, rowsPerPart);
        int expected = DataParallelGradient.PartsFor(batch, rowsPerPart);
        Assert.Equal(expected, gradient.Parts);
        int next = 0;
        for (int p = 0; p < expected; p++)
        {
            var (start, count) = gradient.PartRows(p);
            Assert.Equal(next, start);
            Assert.InRange(count, (batch / expected) - 1, (batch / expected) + 1);
            next += count;
        }

        Assert.Equal(batch, next);
    }

    [Fact]
    public void The_parts_gradient_is_the_whole_batch_gradient_and_does_not_depend_on_the_thread_count()
    {
        var (model, features, labels) = MixtureOfExpertsProblem();
        const int batch = 256;
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.Marginal, GateEntropyWeight = 0.1f };

        // The whole batch on one tape.
        var tape = new Tape(1);
        foreach (var p in model.Parameters)
        {
            p.ZeroGrad();
        }

        var whole = model.Loss(tape, tape.Constant(Rows(features, 0, batch)), labels[..batch], options).Total;
        float wholeLoss = tape.Value(whole).Span[0];
        tape.Backward(whole);
        var expected = model.Parameters.Select(p => p.Grad.Span.ToArray()).ToArray();

        float[][]? first = null;
        foreach (int threads in new[] { 1, 2, 3, 0 })
        {
            using var gradient = new DataParallelGradient(model.Parameters, batch, threads);
            Assert.Equal(Math.Min(2, Environment.ProcessorCount), gradient.Parts);

            // Enough calls for the automatic choice (threads = 0) to try both candidates.
            for (int call = 0; call < 40; call++)
            {
                foreach (var p in model.Parameters)
                {
                    p.ZeroGrad();
                }

                float loss = gradient.Accumulate((t, start, count, part) => model.Loss(t, t.Constant(Rows(features, start, count)), labels[start..(start + count)], options).Total);
                Assert.Equal(wholeLoss, loss, 5e-6f * Math.Abs(wholeLoss));
            }

            var got = model.Parameters.Select(p => p.Grad.Span.ToArray()).ToArray();
            for (int i = 0; i < got.Length; i++)
            {
                for (int j = 0; j < got[i].Length; j++)
                {
                    Assert.True(Math.Abs(got[i][j] - expected[i][j]) <= 1e-5f * (1f + Math.Abs(expected[i][j])), $"{model.Parameters[i].Name}[{j}]: {got[i][j]:R}, whole batch {expected[i][j]:R}");
                }
            }

            first ??= got;
            for (int i = 0; i < got.Length; i++)
            {
                Assert.Equal(first[i].Select(BitConverter.SingleToInt32Bits), got[i].Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Accumulate_adds_to_what_the_parameters_hold_and_Compute_replaces_it()
    {
        var w = new Parameter("w", 1);
        w.Value.Span[0] = 2f;
        using var gradient = new DataParallelGradient([w], 256, threads: 2);
        w.Grad.Span[0] = 10f;

        // Loss of a part = mean over its rows of w * x_r with x_r = r: d/dw of the batch mean = mean of r = 127.5.
        gradient.Accumulate((t, start, count, part) =>
        {
            var x = new Tensor(count);
            for (int i = 0; i < count; i++)
            {
                x.Span[i] = start + i;
            }

            return t.MeanAll(t.Multiply(t.Constant(x), t.Param(w)));
        });
        Assert.Equal(137.5f, w.Grad.Span[0], 1e-4f);

        // Compute replaces instead.
        gradient.Compute((t, start, count, part) =>
        {
            var x = new Tensor(count);
            for (int i = 0; i < count; i++)
            {
                x.Span[i] = start + i;
            }

            return t.MeanAll(t.Multiply(t.Constant(x), t.Param(w)));
        });
        Assert.Equal(127.5f, w.Grad.Span[0], 1e-4f);
    }

    [Fact]
    public void An_AdamW_step_by_slices_equals_the_whole_step_for_any_number_of_slices()
    {
        float[]? first = null;
        foreach (int slices in new[] { 0, 1, 2, 3, 7 })
        {
            var p = new Parameter("p", 37, 5);
            var random = new RandomSource(8);
            random.FillNormal(p.Value.Span);
            var optimizer = new MLNetMixture.Training.Optimization.AdamW([p], 1e-2f, weightDecay: 0.1f);
            for (int step = 0; step < 3; step++)
            {
                random.FillNormal(p.Grad.Span);
                if (slices == 0)
                {
                    optimizer.Step();
                }
                else
                {
                    optimizer.StepBySlices(work =>
                    {
                        for (int w = slices - 1; w >= 0; w--)
                        {
                            work(w, slices);
                        }
                    });
                }
            }

            Assert.Equal(3, optimizer.StepCount);
            first ??= p.Value.Span.ToArray();
            Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), p.Value.Span.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Training_gives_bit_identical_parameters_for_any_thread_count()
    {
        float[][]? first = null;
        foreach (int threads in new[] { 1, 2, 0 })
        {
            var (model, features, labels) = MixtureOfExpertsProblem();
            var objective = new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions { Objective = GateObjective.GumbelSoftmax }) { Threads = 1 };
            Assert.True(objective.SupportsBatchParts);
            MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 3, BatchSize = 256 }, Seed = 4, Threads = threads }, cancellationToken: TestContext.Current.CancellationToken);
            var values = model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
            first ??= values;
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(first[i].Select(BitConverter.SingleToInt32Bits), values[i].Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void A_load_balancing_term_is_cut_into_parts_and_any_thread_count_gives_the_same_parameters()
    {
        float[][]? first = null;
        foreach (int threads in new[] { 1, 2, 0 })
        {
            var (model, features, labels) = MixtureOfExpertsProblem();
            ITrainingObjective objective = new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions { LoadBalancingWeight = 0.01f }) { Threads = 1 };
            Assert.True(objective.SupportsBatchParts);

            // 3 epochs of 256-row batches: threads = 0 times both candidates (one part at a time, one per core) and keeps one.
            MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 3, BatchSize = 256 }, Seed = 5, Threads = threads }, cancellationToken: TestContext.Current.CancellationToken);
            var values = model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
            first ??= values;
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(first[i].Select(BitConverter.SingleToInt32Bits), values[i].Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void The_parts_load_balancing_terms_use_the_whole_batchs_routing_and_add_up_to_its_gradient()
    {
        var (model, features, labels) = MixtureOfExpertsProblem();
        const int batch = 256;
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.Marginal, LoadBalancingWeight = 0.5f };
        var tape = new Tape(1);
        foreach (var p in model.Parameters)
        {
            p.ZeroGrad();
        }

        var x = tape.Constant(Rows(features, 0, batch));
        var whole = model.Loss(tape, x, labels[..batch], options).Total;
        float wholeLoss = tape.Value(whole).Span[0];
        var routed = tape.Value(MixtureOfExpertsLoss.RoutedFraction(tape, model.GateLogits(tape, x))).Clone();
        tape.Backward(whole);
        var expected = model.Parameters.Select(p => p.Grad.Span.ToArray()).ToArray();

        // Two halves, each with the whole batch's routing fractions: the parts' terms weighted by their rows are the batch's.
        foreach (var p in model.Parameters)
        {
            p.ZeroGrad();
        }

        float combined = 0f;
        foreach (int start in new[] { 0, batch / 2 })
        {
            var partTape = new Tape(1);
            var part = model.Loss(partTape, partTape.Constant(Rows(features, start, batch / 2)), labels[start..(start + (batch / 2))], options, routedFraction: routed).Total;
            combined += 0.5f * partTape.Value(part).Span[0];
            partTape.Backward(part, 0.5f);
        }

        Assert.Equal(wholeLoss, combined, 5e-6f * Math.Abs(wholeLoss));
        var got = model.Parameters.Select(p => p.Grad.Span.ToArray()).ToArray();
        for (int i = 0; i < got.Length; i++)
        {
            for (int j = 0; j < got[i].Length; j++)
            {
                Assert.Equal(expected[i][j], got[i][j], 1e-5f + (1e-4f * Math.Abs(expected[i][j])));
            }
        }

        // The fractions of one half alone give another loss: the term really depends on them.
        var alone = new Tape(1);
        float halfOwn = alone.Value(model.Loss(alone, alone.Constant(Rows(features, 0, batch / 2)), labels[..(batch / 2)], options).LoadBalancing!.Value).Span[0];
        var shared = new Tape(1);
        float halfShared = shared.Value(model.Loss(shared, shared.Constant(Rows(features, 0, batch / 2)), labels[..(batch / 2)], options, routedFraction: routed).LoadBalancing!.Value).Span[0];
        Assert.NotEqual(halfOwn, halfShared);
    }

    [Fact]
    public void A_part_of_a_load_balanced_batch_without_the_batchs_routing_is_refused()
    {
        var (model, features, labels) = MixtureOfExpertsProblem();
        ITrainingObjective objective = new MixtureOfExpertsObjective(model, features, labels, new MixtureOfExpertsLossOptions { LoadBalancingWeight = 0.01f }) { Threads = 1 };
        var step = new TrainingStep(0, 0, 1, new RandomSource(1));
        int[] rows = [.. Enumerable.Range(0, 64)];
        var error = Assert.Throws<InvalidOperationException>(() => objective.BatchPartLoss(new Tape(1), rows, step, new BatchPart(0, 2, 128)));
        Assert.Contains("PrepareBatch", error.Message, StringComparison.Ordinal);
        objective.PrepareBatch([.. Enumerable.Range(0, 128)], step);
        var tape = new Tape(1);
        Assert.True(float.IsFinite(tape.Value(objective.BatchPartLoss(tape, rows, step, new BatchPart(0, 2, 128))).Span[0]));
    }

    [Fact]
    public void The_flow_objective_reports_the_batch_mean_log_likelihood_from_its_parts()
    {
        var architecture = new MixtureDensityFlowArchitecture { Dimension = 3, FlowType = FlowType.AffineCoupling, Layers = 2, HiddenSizes = [8], Activation = Activation.Relu, Standardize = false };
        var data = new Tensor(512, 3);
        new RandomSource(2).FillNormal(data.Span);
        double Statistic(int rowsPerPart)
        {
            var model = architecture.Build(new RandomSource(1));
            var objective = new MaximumLikelihoodFlowObjective(model, data, threads: 1);
            var reports = new List<TrainingProgress>();
            MinibatchTrainer.Fit(objective, new TrainerOptions { Optimization = { Epochs = 1, BatchSize = 512, LearningRate = 1e-9f }, Threads = 2, BatchPartRows = rowsPerPart }, new ListProgress(reports), TestContext.Current.CancellationToken);
            return reports[0].Statistics[MaximumLikelihoodFlowObjective.TrainLogLikelihoodStatistic];
        }

        double whole = Statistic(0), parts = Statistic(128);
        Assert.True(double.IsFinite(whole));
        Assert.Equal(whole, parts, 1e-4 * Math.Abs(whole));
    }

    private static (MixtureOfExperts Model, Tensor Features, int[] Labels) MixtureOfExpertsProblem()
    {
        const int rows = 512, d = 5, c = 4;
        var random = new RandomSource(9);
        var features = new Tensor(rows, d);
        random.FillNormal(features.Span);
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = (features[r, 0] > 0 ? 1 : 0) + (features[r, 1] > 0 ? 2 : 0);
        }

        var model = new MixtureOfExperts(d, c, new MixtureOfExpertsArchitecture { Experts = 3, ExpertHiddenSizes = [6] }, 3);
        return (model, features, labels);
    }

    private static Tensor Rows(Tensor features, int start, int count)
    {
        int d = features.Shape[1];
        var t = new Tensor(count, d);
        features.Span.Slice(start * d, count * d).CopyTo(t.Span);
        return t;
    }

    private sealed class ListProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
