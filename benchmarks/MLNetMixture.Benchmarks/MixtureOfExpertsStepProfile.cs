using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Cli.Benchmarks;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>moe-profile [--wide] [--threads=1] [--seconds=6] [--wall]</c>: where the time of one mixture-of-experts
/// training step goes. The step of <see cref="Training.Trainers.MinibatchTrainer"/> for the marginal objective
/// (batch 256, AdamW with a cosine schedule, gradient clipping at 5) is spelled out with a Stopwatch around each
/// phase: minibatch gather, tape reset + zero-grad, gate forward, experts' forward, loss (log-softmaxes, label
/// pick, log-sum-exp, mean), backward, gradient clipping and the AdamW step. Run it under a sampling profiler for
/// the backward pass's own split (the phases are separate methods of the tape). The phases are timed in the
/// calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which time slices given to other processes on a shared
/// machine do not inflate; <c>--wall</c> times them by the wall clock instead. With more than one thread the
/// helpers' CPU time is not counted: use the wall clock there.
/// </summary>
internal static partial class MixtureOfExpertsStepProfile
{
    private static readonly string[] Phases = ["gather", "reset+zero-grad", "gate forward", "experts forward", "loss forward", "backward", "clip", "AdamW step"];

    public static void Run(Dictionary<string, string> flags)
    {
        bool wide = flags.ContainsKey("wide");
        bool wall = flags.ContainsKey("wall");
        Func<long> now = wall ? Stopwatch.GetTimestamp : ThreadCpuNanoseconds;
        double frequency = wall ? Stopwatch.Frequency : 1e9;
        int threads = int.Parse(MixtureOfExpertsRuns.Get(flags, "threads", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(MixtureOfExpertsRuns.Get(flags, "seconds", "6"), CultureInfo.InvariantCulture);
        var (features, labels, d, c, hidden, name) = wide ? Wide() : Letter();
        int n = labels.Length;
        const int batch = MixtureOfExpertsThroughputBenchmark.TrainingBatchSize;
        var model = new MixtureOfExperts(d, c, new MixtureOfExpertsArchitecture { Experts = MixtureOfExpertsThroughputBenchmark.Experts, ExpertHiddenSizes = [hidden], Activation = Activation.Relu }, 1);
        var options = new MixtureOfExpertsLossOptions { Objective = GateObjective.Marginal };
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
        long cpuStart = 0;
        bool warm = false;
        while (true)
        {
            if (!warm && clock.Elapsed.TotalSeconds > 1.5)
            {
                warm = true;
                Array.Clear(ticks);
                steps = 0;
                clock.Restart();
                cpuStart = ThreadCpuNanoseconds();
            }
            else if (warm && clock.Elapsed.TotalSeconds > seconds)
            {
                break;
            }

            long t0 = now();
            var rows = sampler.Next();
            MinibatchSampler.GatherRows(features.Span, d, rows, x.Span);
            for (int i = 0; i < batch; i++)
            {
                y[i] = labels[rows[i]];
            }

            long t1 = now();
            tape.Reset();
            optimizer.ZeroGrad();
            long t2 = now();
            var input = tape.Constant(x);
            var gate = model.GateLogits(tape, input);
            long t3 = now();
            var experts = model.ExpertLogits(tape, input);
            long t4 = now();
            var loss = MixtureOfExpertsLoss.Compute(tape, gate, experts, y, options).Total;
            _ = tape.Value(loss).Span[0];
            long t5 = now();
            tape.Backward(loss);
            long t6 = now();
            GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
            long t7 = now();
            optimizer.Step();
            long t8 = now();
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

        double wallRate = steps * batch / clock.Elapsed.TotalSeconds;
        double cpuShare = (ThreadCpuNanoseconds() - cpuStart) / 1e9 / clock.Elapsed.TotalSeconds;
        double total = ticks.Sum();
        double perStep = total / frequency / steps;
        double rate = batch / perStep;
        Console.WriteLine($"  phases timed by {(wall ? "the wall clock" : "thread CPU time")}");
        for (int i = 0; i < Phases.Length; i++)
        {
            double us = ticks[i] * 1e6 / frequency / steps;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Phases[i],-16} {us,8:F1} us/step  {100 * ticks[i] / total,5:F1}%"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-16} {perStep * 1e6,8:F1} us/step  {rate,10:N0} samples/s  {rate * flops / 1e9,6:F1} GFLOP/s, {MachineDescription.PercentOfPeak(rate * flops / 1e9, 1):F0}% of peak ({steps} steps)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  wall clock: {wallRate:N0} samples/s, the main thread on a core {100 * cpuShare:F0}% of the time  load {MixtureOfExpertsRuns.Load()}"));
    }

    /// <summary>The calling thread's CPU time in nanoseconds (Linux; the process's elsewhere).</summary>
    private static long ThreadCpuNanoseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t) == 0)
        {
            return (t.Seconds * 1_000_000_000L) + t.Nanoseconds;
        }

        return (long)(Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds * 1e6);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
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
