using MLNetMixture.Training.Flows.Targets;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// How well a flow q matches an unnormalised target p~ = Z p, from N exact draws x_i ~ q with log-weights
/// <c>log w_i = log p~(x_i) − log q(x_i)</c>: the ELBO (mean log-weight, a lower bound on log Z in expectation,
/// short of it by KL(q ‖ p)), the importance-sampling estimate of log Z (log-mean-exp of the log-weights, a
/// consistent estimate whose expectation is also at most log Z), and the effective sample size.
/// </summary>
/// <param name="Samples">N.</param>
/// <param name="Elbo">The mean log-weight.</param>
/// <param name="ElboStandardError">Its standard error, sd(log w) / √N.</param>
/// <param name="LogNormalizer">The importance-sampling estimate <c>log (1/N) Σ_i w_i</c>.</param>
/// <param name="LogNormalizerStandardError">Its delta-method standard error, sd(w) / (√N mean(w)).</param>
/// <param name="EffectiveSampleSize">Kish's <c>(Σ w)² / Σ w²</c>, between 1 and N (N when q ∝ p~).</param>
public sealed record ReverseKlDiagnostics(
    int Samples,
    double Elbo,
    double ElboStandardError,
    double LogNormalizer,
    double LogNormalizerStandardError,
    double EffectiveSampleSize)
{
    /// <summary>The effective sample size as a fraction of N, in (0, 1].</summary>
    public double EffectiveSampleFraction => EffectiveSampleSize / Samples;

    /// <summary>Estimates the diagnostics from <paramref name="samples"/> exact draws of <paramref name="model"/>.</summary>
    /// <param name="model">The flow q.</param>
    /// <param name="target">The unnormalised target p~; its dimension must match.</param>
    /// <param name="samples">N ≥ 2.</param>
    /// <param name="random">The noise of the draws.</param>
    /// <param name="threads">Threads for matrix products; 0 uses every core.</param>
    public static ReverseKlDiagnostics Estimate(MixtureDensityFlow model, IUnnormalizedDensity target, int samples, RandomSource random, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        if (target.Dimension != model.Dimension)
        {
            throw new ArgumentException($"The target has dimension {target.Dimension}; the flow {model.Dimension}.", nameof(target));
        }

        var (x, logq) = ExactFlowSampling.Draw(model, samples, random, threads);
        return FromSamples(target, x.Span, logq);
    }

    /// <summary>The diagnostics of given exact draws <paramref name="points"/> [N * D] with log q <paramref name="logModelDensity"/> [N].</summary>
    /// <param name="target">The unnormalised target p~.</param>
    /// <param name="points">Draws from q, row-major.</param>
    /// <param name="logModelDensity">log q at each draw.</param>
    public static ReverseKlDiagnostics FromSamples(IUnnormalizedDensity target, ReadOnlySpan<float> points, ReadOnlySpan<float> logModelDensity)
    {
        ArgumentNullException.ThrowIfNull(target);
        var logTarget = new float[logModelDensity.Length];
        UnnormalizedDensity.CheckBatch(target.Dimension, points, logTarget, []);
        target.Evaluate(points, logTarget, []);
        var logWeights = new double[logTarget.Length];
        for (int i = 0; i < logWeights.Length; i++)
        {
            logWeights[i] = (double)logTarget[i] - logModelDensity[i];
        }

        return FromLogWeights(logWeights);
    }

    /// <summary>The diagnostics of log-weights <c>log p~(x_i) − log q(x_i)</c> of N ≥ 2 exact draws x_i ~ q.</summary>
    public static ReverseKlDiagnostics FromLogWeights(ReadOnlySpan<double> logWeights)
    {
        int n = logWeights.Length;
        if (n < 2)
        {
            throw new ArgumentException("At least two log-weights are needed.", nameof(logWeights));
        }

        double mean = 0, max = double.NegativeInfinity;
        foreach (double v in logWeights)
        {
            if (double.IsNaN(v))
            {
                throw new ArgumentException("A log-weight is NaN.", nameof(logWeights));
            }

            mean += v / n;
            max = Math.Max(max, v);
        }

        double squares = 0;
        foreach (double v in logWeights)
        {
            squares += (v - mean) * (v - mean);
        }

        double elboError = Math.Sqrt(squares / (n - 1) / n);
        if (double.IsNegativeInfinity(max) || double.IsPositiveInfinity(max))
        {
            return new ReverseKlDiagnostics(n, mean, elboError, max, double.NaN, double.NaN);
        }

        // Weights relative to the largest: w_i / w_max in (0, 1].
        double sum = 0, sumSquares = 0;
        foreach (double v in logWeights)
        {
            double w = Math.Exp(v - max);
            sum += w;
            sumSquares += w * w;
        }

        double meanWeight = sum / n;
        double weightVariance = Math.Max(0, (sumSquares / n) - (meanWeight * meanWeight)) * n / (n - 1);
        double logNormalizer = max + Math.Log(meanWeight);
        double logNormalizerError = Math.Sqrt(weightVariance / n) / meanWeight;
        return new ReverseKlDiagnostics(n, mean, elboError, logNormalizer, logNormalizerError, sum * sum / sumSquares);
    }
}
