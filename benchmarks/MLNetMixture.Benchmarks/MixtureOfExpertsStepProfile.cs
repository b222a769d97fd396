using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Transforms.Data;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>moe-profile [--wide] [--threads=1] [--seconds=6]</c>: where the time of one mixture-of-experts
/// training step goes. The step of <see cref="Training.Trainers.MinibatchTrainer"/> for the marginal objective
/// (batch 256, AdamW with a cosine schedule, gradient clipping at 5) is spelled out with a Stopwatch around each
/// phase: minibatch gather, tape reset + zero-grad, gate forward, experts' forward, loss (log-softmaxes, label
/// pick, log-sum-exp, mean), backward, gradient clipping and the AdamW step. Run it under a sampling profiler for
/// the backward pass's own split (the phases are separate methods of the tape).
/// </summary>
internal static class MixtureOfExpertsStepProfile
{
    private static readonly string[] Phases = ["gather", "reset+zero-grad", "gate forward", "experts forward", "loss forward", "backward", "clip", "AdamW step"];

    public static void Run(Dictionary<string, string> flags)
    {
        bool wide = flags.ContainsKey("wide");
        int threads = int.Parse(MixtureOfExpertsRuns.Get(flags, "threads", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(MixtureOfExpertsRuns.Get(flags, "seconds", "6"), CultureInfo.InvariantCulture);
        var (features, labels, d, c, hidden, name) = wide ? Wide() : Letter();
        int n = labels.Length;
        const int batch = MixtureOfExpertsThroughputBenchmark.TrainingBatchSize;
        var model = new MixtureOfExperts(new MixtureOfExpertsOptions(d, c, MixtureOfExpertsThroughputBenchmark.Experts) { ExpertHiddenSizes = [hidden], Activation = Activation.Relu, Seed = 1 });
        var options = new MixtureOfExpertsTrainingOptions { Objective = GateObjective.Marginal };
        var optimizer = new AdamW(model.Parameters, 1e-2f, weightDecay: 1e-2f) { Schedule = new CosineSchedule(1e-2f, 1_000_000) };
        var sampler = new MinibatchSampler(n, batch, new RandomSource(1), dropLast: true);
        var tape = new Tape(threads);
        var x = new Tensor(batch, d);
        var y = new int[batch];
        double flops = MixtureOfExpertsThroughputBenchmark.FlopsPerTrainingSample(d, c, MixtureOfExpertsThroughputBenchmark.Experts, hidden);
        Console.WriteLine($"# moe-profile  {name}, K={MixtureOfExpertsThroughputBenchmark.Experts}, hidden {hidden}, batch {batch}, marginal, threads {threads}  load {MixtureOfExpertsRuns.Load()}");
        Console.WriteLine($"# {MachineDescription.PeakSummary}");

        var ticks = new long[Phases.Length];
        long steps = 0;
        var clock = Stopwatch.StartNew();
        bool warm = false;
        while (true)
        {
            if (!warm && clock.Elapsed.TotalSeconds > 1.5)
            {
                warm = true;
                Array.Clear(ticks);
                steps = 0;
                clock.Restart();
            }
            else if (warm && clock.Elapsed.TotalSeconds > seconds)
            {
                break;
            }

            long t0 = Stopwatch.GetTimestamp();
            var rows = sampler.Next();
            for (int i = 0; i < batch; i++)
            {
                features.Span.Slice(rows[i] * d, d).CopyTo(x.Span.Slice(i * d, d));
                y[i] = labels[rows[i]];
            }

            long t1 = Stopwatch.GetTimestamp();
            tape.Reset();
            optimizer.ZeroGrad();
            long t2 = Stopwatch.GetTimestamp();
            var input = tape.Constant(x);
            var gate = model.GateLogits(tape, input);
            long t3 = Stopwatch.GetTimestamp();
            var experts = model.ExpertLogits(tape, input);
            long t4 = Stopwatch.GetTimestamp();
            var loss = MixtureOfExpertsLoss.Compute(tape, gate, experts, y, options).Total;
            _ = tape.Value(loss).Span[0];
            long t5 = Stopwatch.GetTimestamp();
            tape.Backward(loss);
            long t6 = Stopwatch.GetTimestamp();
            GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
            long t7 = Stopwatch.GetTimestamp();
            optimizer.Step();
            long t8 = Stopwatch.GetTimestamp();
            ticks[0] += t1 - t0;
            ticks[1] += t2 - t1;
            ticks[2] += t3 - t2;
            ticks[3] += t4 - t3;
            ticks[4] += t5 - t4;
            ticks[5] += t6 - t5;
            ticks[6] += t7 - t6;
            ticks[7] += t8 - t7;
            steps++;
        }

        double total = ticks.Sum();
        double perStep = total / Stopwatch.Frequency / steps;
        double rate = batch / perStep;
        for (int i = 0; i < Phases.Length; i++)
        {
            double us = ticks[i] * 1e6 / Stopwatch.Frequency / steps;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Phases[i],-16} {us,8:F1} us/step  {100 * ticks[i] / total,5:F1}%"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-16} {perStep * 1e6,8:F1} us/step  {rate,10:N0} samples/s  {rate * flops / 1e9,6:F1} GFLOP/s ({steps} steps)  load {MixtureOfExpertsRuns.Load()}"));
    }

    private static (Tensor Features, int[] Labels, int D, int C, int Hidden, string Name) Letter()
    {
        var train = CsvFeatureReader.Read(Path.Combine(MixtureOfExpertsRuns.RepositoryRoot(), "data", "letter_train.csv"), label: "label");
        int d = train.Columns;
        var values = (float[])train.Features.Clone();
        var standardizer = new Standardizer("standardizer", d);
        var names = train.Labels!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var labels = train.Labels!.Select(l => names.IndexOf(l)).ToArray();
        standardizer.Fit(values, labels.Length);
        standardizer.Apply(values);
        return (new Tensor(values, labels.Length, d), labels, d, names.Count, MixtureOfExpertsThroughputBenchmark.ExpertHidden, $"letter D={d} C={names.Count}");
    }

    private static (Tensor Features, int[] Labels, int D, int C, int Hidden, string Name) Wide()
    {
        var (values, labels) = MixtureOfExpertsThroughputBenchmark.WideSynthetic();
        int d = MixtureOfExpertsThroughputBenchmark.WideInputs;
        return (new Tensor(values, labels.Length, d), labels, d, MixtureOfExpertsThroughputBenchmark.WideClasses, MixtureOfExpertsThroughputBenchmark.WideHidden, $"wide synthetic D={d} C={MixtureOfExpertsThroughputBenchmark.WideClasses}");
    }
}
