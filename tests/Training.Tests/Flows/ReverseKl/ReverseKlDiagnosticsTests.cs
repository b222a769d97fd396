using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows.ReverseKl;

public sealed class ReverseKlDiagnosticsTests
{
    /// <summary>A flow whose base is exactly the 8-Gaussian target's normalised density (identity layers on top).</summary>
    internal static MixtureDensityFlow EightGaussianFlow(CircularGaussianMixtureDensity target, float sigma)
    {
        var mixture = new DiagonalGaussianMixture("base", target.Modes, 2);
        for (int k = 0; k < target.Modes; k++)
        {
            var (x, y) = target.Centre(k);
            mixture.Means.Value[k, 0] = (float)x;
            mixture.Means.Value[k, 1] = (float)y;
        }

        mixture.LogSigmas.Value.Fill(MathF.Log(sigma));
        return new MixtureDensityFlow(new FlowSequence(new ActNormLayer("identity", 2)), mixture);
    }

    [Fact]
    public void A_flow_equal_to_the_target_gives_the_exact_log_normalizer_and_full_effective_sample_size()
    {
        var target = new CircularGaussianMixtureDensity();
        var model = EightGaussianFlow(target, 0.5f);
        var d = ReverseKlDiagnostics.Estimate(model, target, 4096, new RandomSource(3));
        Assert.Equal(4096, d.Samples);
        Assert.Equal(target.LogNormalizer, d.Elbo, 4);
        Assert.InRange(d.ElboStandardError, 0, 1e-5);
        Assert.Equal(target.LogNormalizer, d.LogNormalizer, 4);
        Assert.InRange(d.EffectiveSampleFraction, 0.9999, 1.0 + 1e-12);
    }

    [Fact]
    public void A_mismatched_flow_has_elbo_below_log_z_an_unbiased_looking_importance_estimate_and_partial_ess()
    {
        var target = new CircularGaussianMixtureDensity();
        var model = EightGaussianFlow(target, 0.6f); // wider than the target: weights are bounded, IS works well
        var d = ReverseKlDiagnostics.Estimate(model, target, 20000, new RandomSource(8));

        // KL(N(0, 0.6²) ‖ N(0, 0.5²)) per dimension = log(0.5/0.6) + 0.6²/(2·0.5²) − ½, twice (the modes barely overlap).
        double kl = 2 * (Math.Log(0.5 / 0.6) + (0.36 / 0.5) - 0.5);
        Assert.InRange(d.Elbo - (target.LogNormalizer - kl), -0.02, 0.02);
        Assert.InRange(target.LogNormalizer - d.LogNormalizer, -4 * d.LogNormalizerStandardError, 4 * d.LogNormalizerStandardError);

        // ESS / N → E_q[w]² / E_q[w²] = 1 / ∫ p²/q, per dimension ∫ = s / (σ² √(2π)) · √(π / (1/σ² − 1/(2s²))), squared for 2D.
        Assert.InRange(d.EffectiveSampleFraction, ExpectedEssFraction(0.6) - 0.02, ExpectedEssFraction(0.6) + 0.02);
        var worse = ReverseKlDiagnostics.Estimate(EightGaussianFlow(target, 0.65f), target, 20000, new RandomSource(8));
        Assert.InRange(worse.EffectiveSampleFraction, ExpectedEssFraction(0.65) - 0.02, ExpectedEssFraction(0.65) + 0.02);
        Assert.True(worse.Elbo < d.Elbo);
    }

    private static double ExpectedEssFraction(double s)
    {
        const double sigma = 0.5;
        double perDimension = s / (sigma * sigma * Math.Sqrt(2 * Math.PI)) * Math.Sqrt(Math.PI / ((1 / (sigma * sigma)) - (1 / (2 * s * s))));
        return 1 / (perDimension * perDimension);
    }

    [Fact]
    public void Log_weight_statistics_follow_their_definitions()
    {
        var constant = ReverseKlDiagnostics.FromLogWeights([2.5, 2.5, 2.5, 2.5]);
        Assert.Equal(2.5, constant.Elbo, 12);
        Assert.Equal(2.5, constant.LogNormalizer, 12);
        Assert.Equal(4, constant.EffectiveSampleSize, 12);
        Assert.Equal(0, constant.ElboStandardError, 12);

        // Weights 1, 1, 4 (log 0, 0, log 4): ESS = 6² / 18 = 2, log Z = log 2, ELBO = log 4 / 3.
        var d = ReverseKlDiagnostics.FromLogWeights([0, 0, Math.Log(4)]);
        Assert.Equal(2, d.EffectiveSampleSize, 10);
        Assert.Equal(2.0 / 3.0, d.EffectiveSampleFraction, 10);
        Assert.Equal(Math.Log(2), d.LogNormalizer, 10);
        Assert.Equal(Math.Log(4) / 3, d.Elbo, 10);

        // Huge log-weights do not overflow.
        var large = ReverseKlDiagnostics.FromLogWeights([1000, 1000]);
        Assert.Equal(1000, large.LogNormalizer, 10);
    }

    [Fact]
    public void Exact_draws_carry_the_model_log_density_and_follow_the_mixture_weights()
    {
        var target = new CircularGaussianMixtureDensity();
        var model = EightGaussianFlow(target, 0.5f);
        model.Base.WeightLogits.Value.Span[0] = MathF.Log(3f); // mode 0 three times as likely as each other: 3/10
        var (x, logq) = ExactFlowSampling.Draw(model, 20000, new RandomSource(4));
        var shares = target.ModeFractions(x.Span);
        Assert.Equal(0.3, shares[0], 2);
        Assert.Equal(0.1, shares[5], 2);

        var tape = new Tape(1) { RecordGradients = false };
        var forward = tape.Value(model.LogDensity(tape, tape.Constant(x))).ToArray();
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(forward[i], logq[i], 3);
        }
    }
}
