namespace MLNetMixture.Training.Tuning;

/// <summary>One candidate setting scored by cross-validation during tuning.</summary>
/// <param name="Index">The candidate's place in the search order (0 = the defaults).</param>
/// <param name="Settings">What differs from the starting settings, e.g. "experts=16 hidden=256", or "(defaults)".</param>
/// <param name="FoldScores">The score on each held-out fold (higher is better: accuracy, or mean log-density in nats).</param>
/// <param name="Score">The mean of <paramref name="FoldScores"/>.</param>
/// <param name="TieBreak">The mean secondary score that breaks ties (higher is better: the negative log-loss for classifiers, the score again for flows).</param>
/// <param name="Elapsed">The time its folds took.</param>
public sealed record TuningTrial(int Index, string Settings, IReadOnlyList<double> FoldScores, double Score, double TieBreak, TimeSpan Elapsed)
{
    /// <summary>The spread of the fold scores (sample standard deviation; 0 for one fold).</summary>
    public double ScoreDeviation => FoldScores.Count < 2 ? 0 : Math.Sqrt(FoldScores.Sum(s => (s - Score) * (s - Score)) / (FoldScores.Count - 1));
}
