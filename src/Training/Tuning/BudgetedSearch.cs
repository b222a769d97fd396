using System.Diagnostics;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Training.Tuning;

/// <summary>
/// A time-budgeted search over settings: the starting settings first, then the cartesian product of the axes in a seeded
/// random order; each candidate is scored by k-fold cross-validation (fit on the other folds, score the held-out one);
/// the best mean score wins (ties: the tie-break score). A candidate counts only when all its folds finished inside
/// the budget; the starting settings are always scored, so there is always something to compare.
/// </summary>
internal static class BudgetedSearch
{
    /// <summary>The candidates: <paramref name="start"/> first, then every product of <paramref name="axes"/> that differs from it, shuffled.</summary>
    public static List<(TSettings Settings, string Description)> Candidates<TSettings>(TSettings start, Func<TSettings, TSettings> copy, IReadOnlyList<SearchAxis<TSettings>> axes, ulong seed)
    {
        var products = new List<List<(SearchAxis<TSettings> Axis, string Label, Action<TSettings> Apply)>> { new() };
        foreach (var axis in axes)
        {
            products = products.SelectMany(p => axis.Values.Select(v => new List<(SearchAxis<TSettings>, string, Action<TSettings>)>(p) { (axis, v.Label, v.Apply) })).ToList();
        }

        var candidates = new List<(TSettings, string)>();
        foreach (var product in products)
        {
            var changed = product.Where(p => p.Label != p.Axis.Current(start)).ToList();
            if (changed.Count == 0)
            {
                continue; // the starting settings, which come first anyway
            }

            var settings = copy(start);
            changed.ForEach(p => p.Apply(settings));
            candidates.Add((settings, string.Join(' ', changed.Select(p => $"{p.Axis.Name}={p.Label}"))));
        }

        var order = candidates.ToArray();
        new RandomSource(seed).Shuffle(order.AsSpan());
        return [(copy(start), "(defaults)"), .. order];
    }

    /// <summary>
    /// Searches the settings around <paramref name="start"/> by cross-validation on <paramref name="train"/>'s
    /// <paramref name="folds"/>: each fold's model is fitted on the other folds with seed + fold and scored on the fold.
    /// </summary>
    public static TuningReport<TSettings> CrossValidate<TSettings, TModel>(
        FeatureTable train,
        TSettings start,
        int[][] folds,
        IReadOnlyList<SearchAxis<TSettings>> axes,
        Func<TSettings, TSettings> copy,
        Func<FeatureTable, TSettings, CancellationToken, TModel> fit,
        Func<TModel, FeatureTable, (double Score, double TieBreak)> score,
        TimeSpan budget,
        IProgress<TuningTrial>? progress,
        CancellationToken cancellationToken)
        where TSettings : class, ITrainingSettings
    {
        var candidates = Candidates(start, copy, axes, start.Seed);
        return Run(candidates, folds.Length, (settings, fold, token) =>
        {
            var foldSettings = copy(settings);
            foldSettings.Seed += (ulong)fold;
            var model = fit(train.Select(CrossValidationFolds.Complement(folds, fold)), foldSettings, token);
            return score(model, train.Select(folds[fold]));
        }, budget, progress, cancellationToken);
    }

    /// <summary>Scores candidates in order until the budget is spent and returns the best.</summary>
    /// <param name="candidates">The settings to try, the starting ones first.</param>
    /// <param name="folds">The number of folds each candidate is scored on.</param>
    /// <param name="scoreFold">Fits the settings without one fold and scores that fold: (score, tie-break), both higher-is-better.</param>
    /// <param name="budget">The time for the whole search.</param>
    /// <param name="progress">Receives each finished trial; may be null.</param>
    /// <param name="cancellationToken">Stops the search; the best finished candidate is chosen.</param>
    public static TuningReport<TSettings> Run<TSettings>(
        IReadOnlyList<(TSettings Settings, string Description)> candidates,
        int folds,
        Func<TSettings, int, CancellationToken, (double Score, double TieBreak)> scoreFold,
        TimeSpan budget,
        IProgress<TuningTrial>? progress,
        CancellationToken cancellationToken)
        where TSettings : class
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var clock = Stopwatch.StartNew();
        var trials = new List<TuningTrial>();
        for (int c = 0; c < candidates.Count && !cancellationToken.IsCancellationRequested; c++)
        {
            var remaining = budget - clock.Elapsed;
            if (c > 0 && remaining <= TimeSpan.Zero)
            {
                break;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (c > 0)
            {
                deadline.CancelAfter(remaining);
            }

            var started = clock.Elapsed;
            var scores = new double[folds];
            var ties = new double[folds];
            for (int f = 0; f < folds && !deadline.IsCancellationRequested; f++)
            {
                try
                {
                    (scores[f], ties[f]) = scoreFold(candidates[c].Settings, f, deadline.Token);
                }
                catch (TrainingDivergedException)
                {
                    (scores[f], ties[f]) = (double.NegativeInfinity, double.NegativeInfinity);
                }
            }

            if (deadline.IsCancellationRequested || (c > 0 && clock.Elapsed > budget))
            {
                break; // a fold was cut short, or the candidate ended past the budget (timers are coarser than small fits)
            }

            var trial = new TuningTrial(c, candidates[c].Description, scores, scores.Average(), ties.Average(), clock.Elapsed - started);
            trials.Add(trial);
            progress?.Report(trial);
        }

        int chosen = trials.Count == 0 ? -1 : trials.IndexOf(trials.OrderByDescending(t => t.Score).ThenByDescending(t => t.TieBreak).First());
        var settings = chosen < 0 ? candidates[0].Settings : candidates[trials[chosen].Index].Settings;
        return new TuningReport<TSettings>(settings, trials, chosen, folds, candidates.Count, clock.Elapsed);
    }
}
