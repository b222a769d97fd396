using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Optimization;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>denormals [steps] [window] [threads] [beta2]</c>: long-run training speed with the
/// optimizer's denormal guard on and off.
/// </summary>
/// <remarks>
/// The 43-128-128-43 MLP trains with AdamW (lr 1e-3, weight decay 1e-2) on minibatches of 512 from 8192
/// samples. After a short warm-up with every unit alive, half the units of each hidden layer die (their bias
/// is set to -1e4, which nothing decays): from then on their weights get exactly zero gradient, so their
/// first and second moments decay geometrically (by beta1 and beta2 per step) towards zero. Units that are
/// dead from initialisation are no use here: their moments stay exactly zero. Without the guard the decaying
/// moments enter the float32 subnormal range (about 750 steps for m; v takes ~1/(1-beta2) times longer) and
/// stick there, since x * beta rounds back to x a few ulps above zero. Two trainers, guard on and guard
/// off, run window by window in alternation so that machine-load drift hits both alike.
/// </remarks>
internal static class DenormalBenchmark
{
    public static void Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4000;
        int window = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 250;
        int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        float beta2 = args.Length > 3 ? float.Parse(args[3], CultureInfo.InvariantCulture) : 0.999f;
        const int warmup = 100, batch = 512, dataset = 8192;

        var guarded = Create(flush: true);
        var unguarded = Create(flush: false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"AdamW(lr=1e-3, wd=1e-2, beta2={beta2}) MLP 43-128-128-43, batch {batch}, threads {threads}; {warmup} warm-up steps, then half the hidden units die; {steps} steps in windows of {window}"));
        Console.WriteLine("   steps | guard on: steps/s  Adam us/step  subnormals   loss | guard off: steps/s  Adam us/step  subnormals   loss");
        var onRates = new List<double>();
        var offRates = new List<double>();
        var onAdams = new List<double>();
        var offAdams = new List<double>();
        for (int done = 0; done < steps; done += window)
        {
            var (onRate, onAdam, onLoss) = Time(guarded, window);
            var (offRate, offAdam, offLoss) = Time(unguarded, window);
            onRates.Add(onRate);
            offRates.Add(offRate);
            onAdams.Add(onAdam);
            offAdams.Add(offAdam);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{done + window,8} | {onRate,17:F1} {onAdam,13:F1} {Subnormals(guarded),11} {onLoss,6:F3} | {offRate,18:F1} {offAdam,13:F1} {Subnormals(unguarded),11} {offLoss,6:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"guard on:  first window {onRates[0]:F1} steps/s (Adam {onAdams[0]:F1} us), last {onRates[^1]:F1} steps/s (Adam {onAdams[^1]:F1} us): {onRates[^1] / onRates[0]:P0} of early speed"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"guard off: first window {offRates[0]:F1} steps/s (Adam {offAdams[0]:F1} us), last {offRates[^1]:F1} steps/s (Adam {offAdams[^1]:F1} us): {offRates[^1] / offRates[0]:P0} of early speed"));

        MeasureUpdateAlone(guarded.Optimizer, unguarded.Optimizer);

        MlpTrainingHarness Create(bool flush)
        {
            var harness = new MlpTrainingHarness(threads, batch, dataset, seed: 7, optimizerFactory: p => new AdamW(p, learningRate: 1e-3f, beta2: beta2, weightDecay: 1e-2f) { FlushTinyValues = flush });
            for (int i = 0; i < warmup; i++)
            {
                harness.Step();
            }

            for (int layer = 0; layer < 2; layer++)
            {
                var bias = harness.Network.Layers[layer].Bias!.Value.Span;
                for (int unit = 0; unit < bias.Length; unit += 2)
                {
                    bias[unit] = -1e4f;
                }
            }

            return harness;
        }
    }

    /// <summary>
    /// Times the Adam update by itself (min over interleaved repeats, to see through machine load): on the
    /// guarded trainer's clean state with the flush on and off (the flush's own cost) and on the unguarded
    /// trainer's subnormal-laden state (the cost of subnormals). The last gradients are reused; only speed matters.
    /// </summary>
    private static void MeasureUpdateAlone(Adam clean, Adam subnormal)
    {
        const int repeats = 30, steps = 100;
        double flushOn = double.MaxValue, flushOff = double.MaxValue, stuck = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            clean.FlushTinyValues = true;
            flushOn = Math.Min(flushOn, TimeUpdates(clean, steps));
            clean.FlushTinyValues = false;
            flushOff = Math.Min(flushOff, TimeUpdates(clean, steps));
            stuck = Math.Min(stuck, TimeUpdates(subnormal, steps));
        }

        clean.FlushTinyValues = true;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Adam update alone (27,691 parameters, best of {repeats}x{steps}): clean state, guard on {flushOn:F1} us; clean state, guard off {flushOff:F1} us; state with {Subnormals(subnormal)} subnormals, guard off {stuck:F1} us ({stuck / flushOn:F1}x)"));

        static double TimeUpdates(Adam optimizer, int steps)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                optimizer.Step();
            }

            return (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency / steps;
        }
    }

    /// <summary>Runs <paramref name="steps"/> steps: steps/s, microseconds per Adam update, last loss.</summary>
    private static (double StepsPerSecond, double AdamMicroseconds, float Loss) Time(MlpTrainingHarness harness, int steps)
    {
        float loss = 0f;
        harness.OptimizerTicks = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            loss = harness.Step();
        }

        double adam = harness.OptimizerTicks * 1e6 / Stopwatch.Frequency / steps;
        return (steps / clock.Elapsed.TotalSeconds, adam, loss);
    }

    private static int Subnormals(MlpTrainingHarness harness) => Subnormals(harness.Optimizer);

    private static int Subnormals(Adam optimizer)
    {
        int count = 0;
        foreach (var p in optimizer.Parameters)
        {
            count += Count(p.Value.Span) + Count(optimizer.GetSlot(p.Name, Adam.FirstMomentSlot).Span) + Count(optimizer.GetSlot(p.Name, Adam.SecondMomentSlot).Span);
        }

        return count;

        static int Count(ReadOnlySpan<float> values)
        {
            int n = 0;
            foreach (float x in values)
            {
                n += float.IsSubnormal(x) ? 1 : 0;
            }

            return n;
        }
    }
}
