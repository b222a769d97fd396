using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Tests.Flows.ReverseKl;

public sealed class ReverseKlFittingTests(ITestOutputHelper output)
{
    [Fact]
    public void Fit_to_U1_reaches_an_elbo_within_a_tenth_of_a_nat_of_the_grid_log_normalizer()
    {
        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U1);
        double logZ = PlanarGridIntegration.LogNormalizer(target, -6, 6, 1000);
        var options = new ReverseKlOptions
        {
            Components = 4,
            CouplingLayers = 4,
            HiddenSizes = [32, 32],
            InitialOutputScale = 2f,
            Steps = 600,
            SamplesPerStep = 128,
            Seed = 7,
        };

        var result = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        var d = result.Diagnostics;
        output.WriteLine($"log Z (grid) {logZ:F4}; ELBO {d.Elbo:F4} ± {d.ElboStandardError:F4}; IS log Z {d.LogNormalizer:F4} ± {d.LogNormalizerStandardError:F4}; ESS {d.EffectiveSampleFraction:P1}; best step {result.BestStep}");
        Assert.InRange(logZ - d.Elbo, 0, 0.1);
        Assert.InRange(d.LogNormalizer - logZ, -0.05, 0.05);
        Assert.True(d.EffectiveSampleFraction > 0.5, $"ESS {d.EffectiveSampleFraction}");
    }

    [Fact]
    public void Fit_of_a_gaussian_given_as_a_delegate_recovers_its_normalizer()
    {
        // p~(x) = exp(-½((x1 - 1)/0.5)² - ½((x2 + 2)/2)²): Z = 2π · 0.5 · 2 = 2π, reachable exactly by the output scale.
        static void Gaussian(ReadOnlySpan<float> points, Span<float> logDensity, Span<float> gradient)
        {
            for (int i = 0; i < logDensity.Length; i++)
            {
                float a = (points[2 * i] - 1f) / 0.5f, b = (points[(2 * i) + 1] + 2f) / 2f;
                logDensity[i] = -0.5f * ((a * a) + (b * b));
                if (!gradient.IsEmpty)
                {
                    gradient[2 * i] = -a / 0.5f;
                    gradient[(2 * i) + 1] = -b / 2f;
                }
            }
        }

        var options = new ReverseKlOptions { Components = 1, CouplingLayers = 2, HiddenSizes = [8], Steps = 300, SamplesPerStep = 64, LearningRate = 1e-2f, Seed = 2 };
        var result = ReverseKlFitting.FitToTarget(Gaussian, 2, options, cancellationToken: TestContext.Current.CancellationToken);
        var d = result.Diagnostics;
        output.WriteLine($"ELBO {d.Elbo:F5}, IS {d.LogNormalizer:F5}, ESS {d.EffectiveSampleFraction:P2}; log 2π = {Math.Log(2 * Math.PI):F5}");
        Assert.InRange(Math.Log(2 * Math.PI) - d.Elbo, 0, 0.01);
        Assert.InRange(d.EffectiveSampleFraction, 0.98, 1.0);
    }

    public static TheoryData<ComponentSelection, ReverseKlBaseDensity, bool> Variants => new()
    {
        { ComponentSelection.StraightThrough, ReverseKlBaseDensity.Exact, false },
        { ComponentSelection.StraightThrough, ReverseKlBaseDensity.Exact, true },
        { ComponentSelection.Relaxed, ReverseKlBaseDensity.Exact, false },
        { ComponentSelection.Stratified, ReverseKlBaseDensity.Exact, true },
        { ComponentSelection.StraightThrough, ReverseKlBaseDensity.NestedMonteCarlo, false },
        { ComponentSelection.Relaxed, ReverseKlBaseDensity.NestedMonteCarlo, false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Gradients_reach_mixture_weights_means_sigmas_and_every_flow_parameter(ComponentSelection selection, ReverseKlBaseDensity density, bool pathGradient)
    {
        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U3);
        var options = new ReverseKlOptions { Components = 3, CouplingLayers = 2, HiddenSizes = [8], Steps = 3, SamplesPerStep = 32, EvaluationSamples = 64, FinalEvaluationSamples = 64, Seed = 4 };
        var model = ReverseKlFitting.CreateModel(2, options, new RandomSource(4));
        ReverseKlFitting.FitToTarget(model, target, options, cancellationToken: TestContext.Current.CancellationToken); // leaves the zero-initialised last layers, so gradients reach the hidden ones

        foreach (var p in model.Parameters)
        {
            p.ZeroGrad();
        }

        var tape = new Tape(1);
        var (loss, _, _, _) = ReverseKlObjective.Record(tape, model, target, new RandomSource(9), 48, 0.5f, selection, density, 4, pathGradient);
        tape.Backward(loss);
        Assert.Equal(3, model.Base.Components);
        Assert.Contains(model.Base.WeightLogits, model.Parameters);
        foreach (var p in model.Parameters)
        {
            Assert.True(p.Trainable, p.Name);
            var g = p.Grad.ToArray();
            Assert.All(g, v => Assert.True(float.IsFinite(v), p.Name));
            Assert.True(g.Count(v => v != 0) >= g.Length / 2, $"{p.Name}: only {g.Count(v => v != 0)} of {g.Length} gradient entries are non-zero");
        }
    }

    [Fact]
    public void Stratified_objective_gradient_matches_finite_differences()
    {
        // Stratified selection has no relaxation, so the loss is an ordinary differentiable function of every parameter.
        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U1);
        var options = new ReverseKlOptions { Components = 3, CouplingLayers = 2, HiddenSizes = [8], Steps = 10, SamplesPerStep = 48, InitialOutputScale = 2f, EvaluationSamples = 64, FinalEvaluationSamples = 64, Seed = 6, Selection = ComponentSelection.Stratified };
        var model = ReverseKlFitting.CreateModel(2, options, new RandomSource(6));
        ReverseKlFitting.FitToTarget(model, target, options, cancellationToken: TestContext.Current.CancellationToken);
        var tape = new Tape(1);
        double Loss(bool backward)
        {
            tape.Reset();
            var (loss, _, _, _) = ReverseKlObjective.Record(tape, model, target, new RandomSource(42), 96, 1f, ComponentSelection.Stratified);
            if (backward)
            {
                tape.Backward(loss);
            }

            return tape.Value(loss).Span[0];
        }

        foreach (var p in model.Parameters)
        {
            p.ZeroGrad();
        }

        Loss(backward: true);
        var random = new Random(1);
        foreach (var p in model.Parameters)
        {
            var grad = p.Grad.ToArray();
            for (int t = 0; t < 3; t++)
            {
                int i = random.Next(p.Value.Length);
                float old = p.Value.Span[i];
                const float h = 4e-3f;
                p.Value.Span[i] = old + h;
                double plus = Loss(false);
                p.Value.Span[i] = old - h;
                double minus = Loss(false);
                p.Value.Span[i] = old;
                double fd = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(fd - grad[i]) <= 2e-3 + (0.02 * Math.Abs(fd)), $"{p.Name}[{i}]: backward {grad[i]}, finite difference {fd}");
            }
        }
    }

    [Fact]
    public void Cancellation_stops_after_the_current_step_and_keeps_the_best_evaluated_parameters()
    {
        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U1);
        using var cancellation = new CancellationTokenSource();
        var reports = new List<ReverseKlProgress>();
        var progress = new SynchronousProgress(p =>
        {
            reports.Add(p);
            if (reports.Count == 3)
            {
                cancellation.Cancel();
            }
        });
        var options = new ReverseKlOptions { Components = 2, CouplingLayers = 2, HiddenSizes = [8], Steps = 400, SamplesPerStep = 32, EvaluationInterval = 10, EvaluationSamples = 256, FinalEvaluationSamples = 256, InitialOutputScale = 2f, Seed = 3 };
        var result = ReverseKlFitting.FitToTarget(target, options, progress, cancellation.Token);

        Assert.True(result.Cancelled);
        Assert.Equal(30, result.StepsRun);
        Assert.Equal(3, result.History.Count);
        Assert.Equal([10L, 20L, 30L], result.History.Select(h => h.Step));
        Assert.All(result.History, h => Assert.InRange(h.Temperature, options.Temperature.FinalTemperature, options.Temperature.InitialTemperature));
        var best = result.History.Where(h => h.IsBest).ToList();
        Assert.Equal(result.History.Max(h => h.Elbo), result.BestElbo);
        Assert.Equal(best[^1].Step, result.BestStep);
        Assert.True(double.IsFinite(result.Diagnostics.Elbo));
    }

    [Fact]
    public void Same_seed_gives_identical_fits()
    {
        var target = new CircularGaussianMixtureDensity();
        var options = new ReverseKlOptions { Components = 2, CouplingLayers = 2, HiddenSizes = [8], Steps = 20, SamplesPerStep = 32, EvaluationSamples = 64, FinalEvaluationSamples = 64, Seed = 12 };
        var a = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        var b = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(a.Diagnostics, b.Diagnostics);
        for (int i = 0; i < a.Model.Parameters.Count; i++)
        {
            Assert.Equal(a.Model.Parameters[i].Value.ToArray(), b.Model.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void Target_tempering_rises_geometrically_to_one_and_scales_the_target()
    {
        var options = new ReverseKlOptions { Steps = 100, InitialTargetExponent = 0.01f, TemperingFraction = 0.5 };
        Assert.Equal(0.01f, options.TargetExponentAt(0), 6);
        Assert.Equal(0.1f, options.TargetExponentAt(25), 5);
        Assert.Equal(1f, options.TargetExponentAt(50));
        Assert.Equal(1f, options.TargetExponentAt(99));
        Assert.Equal(1f, new ReverseKlOptions { Steps = 100 }.TargetExponentAt(0));

        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U2);
        var model = ReverseKlFitting.CreateModel(2, new ReverseKlOptions { Components = 2, CouplingLayers = 2, HiddenSizes = [8] }, new RandomSource(1));
        var tape = new Tape(1);
        var (_, _, _, full) = ReverseKlObjective.Record(tape, model, target, new RandomSource(5), 16, 0.5f);
        var fullValues = tape.Value(full).ToArray();
        tape.Reset();
        var (_, _, _, tempered) = ReverseKlObjective.Record(tape, model, target, new RandomSource(5), 16, 0.5f, targetExponent: 0.25f);
        var temperedValues = tape.Value(tempered).ToArray();
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(0.25f * fullValues[i], temperedValues[i], 4);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        var target = new CircularGaussianMixtureDensity();
        Assert.Throws<ArgumentOutOfRangeException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Components = 0 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Temperature = { FinalTemperature = 2f } }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { HiddenSizes = [0] }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { InitialTargetExponent = 0f }, cancellationToken: TestContext.Current.CancellationToken));
        var model = ReverseKlFitting.CreateModel(3, new ReverseKlOptions(), new RandomSource(1));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(model, target, cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<ReverseKlProgress> report) : IProgress<ReverseKlProgress>
    {
        public void Report(ReverseKlProgress value) => report(value);
    }
}
