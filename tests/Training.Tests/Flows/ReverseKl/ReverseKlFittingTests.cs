using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;

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
            Architecture = { Components = 4, Layers = 4, HiddenSizes = [32, 32] },
            Optimization = { Epochs = 20, BatchSize = 128 },
            EvaluationInterval = 30,
            InitialOutputScale = 2f,
            Seed = 7,
        };

        var result = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        var d = result.Diagnostics;
        output.WriteLine($"log Z (grid) {logZ:F4}; ELBO {d.Elbo:F4} ± {d.ElboStandardError:F4}; IS log Z {d.LogNormalizer:F4} ± {d.LogNormalizerStandardError:F4}; ESS {d.EffectiveSampleFraction:P1}; best step {result.Training.BestEpoch * options.EvaluationInterval}");
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

        var options = new ReverseKlOptions
        {
            Architecture = { Components = 1, Layers = 2, HiddenSizes = [8] },
            Optimization = { Epochs = 20, BatchSize = 64, LearningRate = 1e-2f },
            EvaluationInterval = 15,
            Seed = 2,
        };
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
        var options = SmallReverseKlOptions.Create(components: 3, epochs: 3, samplesPerStep: 32, interval: 1, seed: 4);
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
        var options = SmallReverseKlOptions.Create(components: 3, epochs: 10, samplesPerStep: 48, interval: 1, seed: 6) with
        {
            InitialOutputScale = 2f,
            Selection = ComponentSelection.Stratified,
        };
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
        var reports = new List<TrainingProgress>();
        var progress = new EpochReporter(p =>
        {
            reports.Add(p);
            if (reports.Count == 3)
            {
                cancellation.Cancel();
            }
        });
        var options = SmallReverseKlOptions.Create(components: 2, epochs: 40, samplesPerStep: 32, interval: 10, seed: 3, evaluationSamples: 256) with { InitialOutputScale = 2f };
        var result = ReverseKlFitting.FitToTarget(target, options, progress, cancellation.Token);

        var training = result.Training;
        Assert.True(training.Cancelled);
        Assert.Equal(30, training.Steps);
        Assert.Equal(3, training.History.Count);
        Assert.Equal([10L, 20L, 30L], training.History.Select(h => h.Step));
        Assert.All(training.History, h => Assert.InRange(h.Statistics[ReverseKlObjective.TemperatureStatistic], options.Temperature.FinalTemperature, options.Temperature.InitialTemperature));
        Assert.All(training.History, h => Assert.Equal(h.Validation!.Value, h.Statistics[ReverseKlObjective.ElboStatistic]));
        Assert.All(training.History, h => Assert.True(h.Statistics[ReverseKlObjective.ElboStandardErrorStatistic] > 0));
        Assert.Equal(training.History.Max(h => h.Validation!.Value), training.BestValidation);
        Assert.Equal(training.History.Where(h => h.IsBest).Last().Epoch, training.BestEpoch);

        // The kept parameters are those of the best epoch: re-scored on the same evaluation noise, they give its ELBO.
        Assert.Equal(training.BestValidation!.Value, new ReverseKlObjective(result.Model, target, options).Validate(), 10);
        Assert.True(double.IsFinite(result.Diagnostics.Elbo));
    }

    [Fact]
    public void While_the_target_is_tempered_no_epoch_becomes_the_best()
    {
        var target = new CircularGaussianMixtureDensity();
        var options = SmallReverseKlOptions.Create(components: 2, epochs: 6, samplesPerStep: 32, interval: 5, seed: 5) with
        {
            InitialTargetExponent = 0.1f,
            TemperingFraction = 0.5,
        };
        var training = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken).Training;

        // Steps 0-14 are tempered (β < 1): epochs 1-3 end on a tempered step, epochs 4-6 on the target itself.
        Assert.Equal([false, false, false, true, true, true], training.History.Select(h => h.Statistics[ReverseKlObjective.TargetExponentStatistic] >= 1));
        Assert.All(training.History.Take(3), h => Assert.False(h.IsBest));
        Assert.All(training.History.Take(3), h => Assert.True(double.IsFinite(h.Validation!.Value)));
        Assert.True(training.History[3].IsBest);
        Assert.InRange(training.BestEpoch, 4, 6);
        Assert.Equal(training.History.Skip(3).Max(h => h.Validation!.Value), training.BestValidation);
    }

    [Fact]
    public void Same_seed_gives_identical_fits()
    {
        var target = new CircularGaussianMixtureDensity();
        var options = SmallReverseKlOptions.Create(components: 2, epochs: 20, samplesPerStep: 32, interval: 1, seed: 12);
        var a = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        var b = ReverseKlFitting.FitToTarget(target, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(a.Diagnostics, b.Diagnostics);
        Assert.Equal(a.Training.History.Select(h => h.Validation), b.Training.History.Select(h => h.Validation));
        for (int i = 0; i < a.Model.Parameters.Count; i++)
        {
            Assert.Equal(a.Model.Parameters[i].Value.ToArray(), b.Model.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void Target_tempering_rises_geometrically_to_one_and_scales_the_target()
    {
        var options = new ReverseKlOptions { Optimization = { Epochs = 1 }, EvaluationInterval = 100, InitialTargetExponent = 0.01f, TemperingFraction = 0.5 };
        Assert.Equal(100, options.Steps);
        Assert.Equal(0.01f, options.TargetExponentAt(0), 6);
        Assert.Equal(0.1f, options.TargetExponentAt(25), 5);
        Assert.Equal(1f, options.TargetExponentAt(50));
        Assert.Equal(1f, options.TargetExponentAt(99));
        Assert.Equal(1f, new ReverseKlOptions().TargetExponentAt(0));

        var target = new RezendeMohamedDensity(RezendeMohamedEnergy.U2);
        var model = ReverseKlFitting.CreateModel(2, new ReverseKlOptions { Architecture = { Components = 2, Layers = 2, HiddenSizes = [8] } }, new RandomSource(1));
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
        var ct = TestContext.Current.CancellationToken;
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Architecture = { Components = 0 } }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Temperature = { FinalTemperature = 2f } }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Architecture = { HiddenSizes = [0] } }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Architecture = { Standardize = true } }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { InitialTargetExponent = 0f }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { EvaluationInterval = 0 }, cancellationToken: ct));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(target, new ReverseKlOptions { Optimization = { GradientClipNorm = -1f } }, cancellationToken: ct));
        var model = ReverseKlFitting.CreateModel(3, new ReverseKlOptions(), new RandomSource(1));
        Assert.Throws<ArgumentException>(() => ReverseKlFitting.FitToTarget(model, target, cancellationToken: ct));
    }

    [Fact]
    public void Created_model_is_the_architecture_behind_a_learned_output_scale_over_a_spread_mixture_base()
    {
        var options = new ReverseKlOptions { Architecture = { Layers = 3, FlowType = FlowType.AffineCoupling }, InitialOutputScale = 2f, BaseMeanSpread = 1.5f };
        var model = ReverseKlFitting.CreateModel(2, options, new RandomSource(1));
        var layers = model.Flow.Layers;
        var scale = Assert.IsType<ActNormLayer>(layers[0]);
        Assert.All(scale.LogScale.Value.ToArray(), v => Assert.Equal(MathF.Log(2f), v, 6));
        Assert.Equal(3, layers.OfType<AffineCouplingLayer>().Count());
        Assert.Equal(2, layers.OfType<PermutationLayer>().Count());
        Assert.Null(model.Standardizer);
        Assert.Equal(4, model.Components);
        Assert.True(model.Base.Means.Value.ToArray().Distinct().Count() > 1, "the component means start spread out");
        Assert.All(model.Base.LogSigmas.Value.ToArray(), v => Assert.Equal(options.BaseInitialLogSigma, v));

        var plain = ReverseKlFitting.CreateModel(2, options with { LearnOutputScale = false, Architecture = options.Architecture with { Components = 1 } }, new RandomSource(1));
        Assert.IsType<AffineCouplingLayer>(plain.Flow.Layers[0]);
        Assert.Equal(1, plain.Components);
    }
}
