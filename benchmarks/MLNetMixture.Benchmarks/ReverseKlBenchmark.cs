using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// Console mode <c>reverse-kl [energies|modes|all] [--steps N] [--seeds N] [--samples N] [--components K] [--layers L] [--kind spline|affine] [--selection straightthrough|relaxed|stratified] [--scale S] [--spread S] [--log-sigma L] [--temper BETA0] [--bases 1,8] [--energy-seed S]</c>:
/// fits mixture-base flows by reverse KL to the Rezende &amp; Mohamed energies U1–U4 (ELBO against the grid log Z,
/// importance-sampled log Z, ESS) and to 8 well-separated Gaussians with a K = 1 and a K = 8 base (mode coverage:
/// how many of the 8 modes receive at least 5% of exact flow samples). The mode runs default to a small flow (2 affine
/// couplings) and a tempered start (β0 = 0.05, pass <c>--temper 1</c> for none); the options override both.
/// </summary>
internal static class ReverseKlBenchmark
{
    public static void Run(string[] args)
    {
        string what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        int steps = IntOption(args, "--steps", 0);
        int seeds = IntOption(args, "--seeds", 3);
        int samples = IntOption(args, "--samples", 0);
        int components = IntOption(args, "--components", 0);
        int layers = IntOption(args, "--layers", 0);
        string? selection = StringOption(args, "--selection");
        float scale = FloatOption(args, "--scale", 0f);
        float spread = FloatOption(args, "--spread", 0f);
        float logSigma = FloatOption(args, "--log-sigma", float.NaN);
        float beta0 = FloatOption(args, "--temper", 0f);
        string? kind = StringOption(args, "--kind");
        // --steps N runs 20 evaluations of N / 20 steps.
        var overrides = new Func<ReverseKlOptions, ReverseKlOptions>(o => o with
        {
            Architecture = o.Architecture with
            {
                FlowType = kind is null ? o.Architecture.FlowType : (kind == "affine" ? FlowType.AffineCoupling : FlowType.SplineCoupling),
                Layers = layers > 0 ? layers : o.Architecture.Layers,
                Components = components > 0 ? components : o.Architecture.Components,
            },
            Optimization = o.Optimization with
            {
                Epochs = steps > 0 ? 20 : o.Optimization.Epochs,
                BatchSize = samples > 0 ? samples : o.Optimization.BatchSize,
            },
            EvaluationInterval = steps > 0 ? Math.Max(1, steps / 20) : o.EvaluationInterval,
            InitialOutputScale = scale > 0 ? scale : o.InitialOutputScale,
            BaseMeanSpread = spread > 0 ? spread : o.BaseMeanSpread,
            BaseInitialLogSigma = float.IsNaN(logSigma) ? o.BaseInitialLogSigma : logSigma,
            InitialTargetExponent = beta0 > 0 ? beta0 : o.InitialTargetExponent,
            Selection = selection is null ? o.Selection : Enum.Parse<ComponentSelection>(selection, ignoreCase: true),
        });

        if (what is "energies" or "all")
        {
            Energies(overrides, (ulong)IntOption(args, "--energy-seed", 1));
        }

        if (what is "modes" or "all")
        {
            var bases = (StringOption(args, "--bases") ?? "1,8").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Modes(overrides, seeds, bases);
        }
    }

    private static void Energies(Func<ReverseKlOptions, ReverseKlOptions> overrides, ulong seed)
    {
        Console.WriteLine("Rezende & Mohamed energies: reverse KL (exact draws for the diagnostics, 8192 of them)");
        Console.WriteLine("target | log Z grid h=0.024 | h=0.012 | h=0.006 | ELBO ± se | gap | log Z (IS) ± se | ESS | seconds");
        foreach (var energy in Enum.GetValues<RezendeMohamedEnergy>())
        {
            var target = new RezendeMohamedDensity(energy);
            double z500 = PlanarGridIntegration.LogNormalizer(target, -6, 6, 500);
            double z1000 = PlanarGridIntegration.LogNormalizer(target, -6, 6, 1000);
            double z2000 = PlanarGridIntegration.LogNormalizer(target, -6, 6, 2000);
            var options = overrides(new ReverseKlOptions { Seed = seed, InitialOutputScale = 2f });
            var clock = Stopwatch.StartNew();
            var result = ReverseKlFitting.FitToTarget(target, options);
            var d = result.Diagnostics;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{energy} | {z500:F4} | {z1000:F4} | {z2000:F4} | {d.Elbo:F4} ± {d.ElboStandardError:F4} | {z2000 - d.Elbo:F4} | {d.LogNormalizer:F4} ± {d.LogNormalizerStandardError:F4} | {d.EffectiveSampleFraction:P1} | {clock.Elapsed.TotalSeconds:F1}"));
        }
    }

    private static void Modes(Func<ReverseKlOptions, ReverseKlOptions> overrides, int seeds, int[] bases)
    {
        var target = new CircularGaussianMixtureDensity();
        var shown = overrides(ModeOptions(seed: 1, components: 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"8 Gaussians on radius 5, sigma 0.5 (log Z = {target.LogNormalizer:F4}): modes with >= 5% of 8192 exact samples"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flow: {shown.Architecture.Layers} {shown.Architecture.FlowType} layers {string.Join("x", shown.Architecture.HiddenSizes)}, {shown.Steps} steps x {shown.Optimization.BatchSize} samples, output scale {shown.InitialOutputScale}, target tempered from beta {shown.InitialTargetExponent}, selection {shown.Selection}"));
        Console.WriteLine("base | seed | modes covered | min / max mode share | ELBO ± se | log Z (IS) ± se | ESS | seconds");
        foreach (int k in bases)
        {
            for (int s = 1; s <= seeds; s++)
            {
                var options = overrides(ModeOptions((ulong)s, k));
                var clock = Stopwatch.StartNew();
                var result = ReverseKlFitting.FitToTarget(target, options);
                var (x, _) = ExactFlowSampling.Draw(result.Model, 8192, new RandomSource(1000 + (ulong)s));
                var shares = target.ModeFractions(x.Span);
                int covered = shares.Count(f => f >= 0.05);
                var d = result.Diagnostics;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"K={k} | {s} | {covered}/8 | {shares.Min():P1} / {shares.Max():P1} | {d.Elbo:F3} ± {d.ElboStandardError:F3} | {d.LogNormalizer:F3} ± {d.LogNormalizerStandardError:F3} | {d.EffectiveSampleFraction:P1} | {clock.Elapsed.TotalSeconds:F1}"));
            }
        }
    }

    /// <summary>The mode runs' defaults: 2 affine couplings, a K-component base, 20 evaluations of 50 steps, tempered from β0 = 0.05.</summary>
    private static ReverseKlOptions ModeOptions(ulong seed, int components) => new()
    {
        Architecture = { FlowType = FlowType.AffineCoupling, Layers = 2, Components = components },
        EvaluationInterval = 50,
        InitialTargetExponent = 0.05f,
        InitialOutputScale = 3.5f,
        Seed = seed,
    };

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static float FloatOption(string[] args, string name, float fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? float.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
