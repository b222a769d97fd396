namespace MLNetMixture.Training.Tuning;

/// <summary>What a time-budgeted search tried and what it chose.</summary>
/// <typeparam name="TSettings">The model's settings type.</typeparam>
/// <param name="Chosen">The best candidate's complete settings (with no tuning budget of their own), ready to fit on every row.</param>
/// <param name="Trials">Every candidate scored on all folds, in search order.</param>
/// <param name="ChosenTrial">The index in <paramref name="Trials"/> of the chosen one.</param>
/// <param name="Folds">The number of cross-validation folds.</param>
/// <param name="Candidates">How many candidates the search space held (tried or not).</param>
/// <param name="Elapsed">The time the search took.</param>
public sealed record TuningReport<TSettings>(TSettings Chosen, IReadOnlyList<TuningTrial> Trials, int ChosenTrial, int Folds, int Candidates, TimeSpan Elapsed)
    where TSettings : class;
