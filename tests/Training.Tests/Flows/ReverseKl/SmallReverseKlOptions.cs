using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Tests.Flows.ReverseKl;

/// <summary>The settings of the fast reverse-KL tests: two couplings with 8 hidden units, short runs, small evaluations.</summary>
internal static class SmallReverseKlOptions
{
    /// <summary>
    /// <paramref name="epochs"/> evaluations every <paramref name="interval"/> steps of <paramref name="samplesPerStep"/>
    /// draws, over a <paramref name="components"/>-component base, with <paramref name="evaluationSamples"/> exact draws
    /// per evaluation and for the final diagnostics.
    /// </summary>
    public static ReverseKlOptions Create(int components, int epochs, int samplesPerStep, int interval, ulong seed, int evaluationSamples = 64) => new()
    {
        Architecture = { Components = components, Layers = 2, HiddenSizes = [8] },
        Optimization = { Epochs = epochs, BatchSize = samplesPerStep },
        EvaluationInterval = interval,
        EvaluationSamples = evaluationSamples,
        FinalEvaluationSamples = evaluationSamples,
        Seed = seed,
    };
}
