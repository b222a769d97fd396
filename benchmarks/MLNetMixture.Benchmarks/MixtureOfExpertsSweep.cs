using System.Diagnostics;
using System.Globalization;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Tuning;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// The <c>moe-sweep</c> mode: picks mixture-of-experts settings per dataset and run (objective or K = 1) on
/// validation data carved from the training file only, then reports the test figures of the chosen setting once.
/// </summary>
/// <remarks>
/// <para>
/// Selection: the training file is split into <c>--folds</c> stratified folds (<see cref="CrossValidationFolds"/>, the library's tuning folds; seeded by <c>--split-seed</c>,
/// default 7; <c>--folds=auto</c>, the default, takes 5 below 10,000 training rows and 3 above). Every candidate setting (the cartesian product of <c>--grid</c>, on top of the moe-quality flags)
/// is trained once per fold, exactly as the final model will be: <c>Fit</c> on the other folds, which holds out its
/// own <c>ValidationFraction</c> of them for early stopping and the kept epoch, with estimator seed
/// <c>seed + fold</c>. The model is then scored on the held-out fold, which its training never saw (so settings
/// that pick epochs differently, e.g. by accuracy or without early stopping, are compared without bias). A
/// setting's score is the mean over folds of that accuracy, ties broken by the lower mean log-loss
/// (<c>--select=logloss</c> ranks by the log-loss instead). The test file is not read until a setting has been
/// chosen.
/// </para>
/// <para>
/// Final model: the chosen setting is trained the way a user would train it, <c>Fit(train)</c> (with the
/// estimator's own stratified <c>ValidationFraction</c> hold-out for early stopping when that is above 0; with
/// <c>--val=0</c> every training row is used and the last epoch kept), and evaluated on the test file once. <c>--final=none</c> skips that step (exploration without looking at test figures).
/// </para>
/// <para>
/// Grid syntax: <c>--grid="hidden=128,256,128x128;lr=0.01,0.003"</c>: settings separated by ';', values by ',', and
/// the keys are those of moe-quality (experts, hidden, gate-hidden, epochs, batch, lr, wd, patience, lb, entropy,
/// metric, act, schedule, tau0, tau-min). For the k1 run the gate-only keys are dropped and duplicates removed.
/// </para>
/// </remarks>
internal static class MixtureOfExpertsSweep
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Keys that change nothing when K = 1 (the gate is constant and the gate terms are off).</summary>
    private static readonly HashSet<string> GateOnlyKeys = new(StringComparer.Ordinal) { "experts", "gate-hidden", "lb", "entropy", "tau0", "tau-min" };

    /// <summary>Runs the sweep described by <paramref name="flags"/>.</summary>
    public static void Run(Dictionary<string, string> flags)
    {
        string root = MixtureOfExpertsRuns.RepositoryRoot();
        var datasets = MixtureOfExpertsRuns.Get(flags, "datasets", "digits,satellite,letter").Split(',');
        var runs = MixtureOfExpertsRuns.Get(flags, "runs", "marginal,gumbel,straight,k1").Split(',');
        string foldsFlag = MixtureOfExpertsRuns.Get(flags, "folds", "auto");
        ulong splitSeed = ulong.Parse(MixtureOfExpertsRuns.Get(flags, "split-seed", "7"), Inv);
        bool byLogLoss = MixtureOfExpertsRuns.Get(flags, "select", "accuracy") switch
        {
            "accuracy" => false,
            "logloss" => true,
            string other => throw new ArgumentException($"Unknown --select={other}: use accuracy or logloss."),
        };
        bool final = MixtureOfExpertsRuns.Get(flags, "final", "test") != "none";
        var grid = ParseGrid(MixtureOfExpertsRuns.Get(flags, "grid", string.Empty));
        var baseFlags = new Dictionary<string, string>(flags, StringComparer.Ordinal);
        foreach (string key in new[] { "datasets", "runs", "folds", "split-seed", "select", "final", "grid" })
        {
            baseFlags.Remove(key);
        }

        Console.WriteLine($"# moe-sweep  {DateTime.UtcNow:u}  load: {MixtureOfExpertsRuns.Load()}  cores: {Environment.ProcessorCount}");
        Console.WriteLine($"# selection: {foldsFlag}-fold stratified CV on the training file (split seed {splitSeed}), rank by mean held-out-fold {(byLogLoss ? "log-loss" : "accuracy (ties: log-loss)")}; base flags: {Describe(baseFlags)}");
        var finals = new List<string>();
        foreach (string dataset in datasets)
        {
            var train = CsvFeatureReader.Read(MixtureOfExpertsRuns.DataFile(root, dataset, "train"), label: "label");
            int folds = foldsFlag == "auto" ? CrossValidationFolds.DefaultCount(train.Rows) : int.Parse(foldsFlag, Inv);
            var foldRows = CrossValidationFolds.Stratified(train.Labels!, folds, splitSeed);
            foreach (string run in runs)
            {
                var candidates = Candidates(grid, run);
                Console.WriteLine($"## {dataset} {run}: {candidates.Count} candidate(s) x {folds} folds");
                Console.WriteLine("   cv-acc   (sd)    cv-loss  epochs  seconds  setting");
                var scored = new List<(Dictionary<string, string> Setting, double Accuracy, double LogLoss)>();
                foreach (var setting in candidates)
                {
                    var clock = Stopwatch.StartNew();
                    var accuracies = new double[folds];
                    var logLosses = new double[folds];
                    double epochs = 0;
                    for (int f = 0; f < folds; f++)
                    {
                        var options = OptionsFor(baseFlags, setting, run);
                        options.Seed += (ulong)f;
                        var trainRows = CrossValidationFolds.Complement(foldRows, f);
                        var model = MixtureOfExpertsModel.Fit(train.Select(trainRows), options);
                        var held = model.Evaluate(train.Select(foldRows[f]));
                        (accuracies[f], logLosses[f]) = (held.Accuracy, held.LogLoss);
                        epochs += model.Training!.BestEpoch / (double)folds; // the kept epoch of the inner hold-out
                    }

                    double mean = accuracies.Average();
                    double sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, folds - 1));
                    scored.Add((setting, mean, logLosses.Average()));
                    Console.WriteLine(string.Create(Inv, $"   {mean:F4} ({sd:F4})  {logLosses.Average():F4}  {epochs,6:F1}  {clock.Elapsed.TotalSeconds,7:F1}  {Describe(setting)}   load {MixtureOfExpertsRuns.Load()}"));
                }

                var best = byLogLoss
                    ? scored.OrderBy(s => s.LogLoss).ThenByDescending(s => s.Accuracy).First()
                    : scored.OrderByDescending(s => s.Accuracy).ThenBy(s => s.LogLoss).First();
                Console.WriteLine(string.Create(Inv, $"   chosen: {Describe(best.Setting)}  (cv-acc {best.Accuracy:F4}, cv-loss {best.LogLoss:F4})"));
                if (final)
                {
                    finals.Add(Final(root, dataset, train, run, OptionsFor(baseFlags, best.Setting, run), best.Accuracy, best.LogLoss, Describe(best.Setting)));
                    Console.WriteLine(finals[^1]);
                }
            }
        }

        if (finals.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("# final: chosen setting, Fit(train) (holding out ValidationFraction for early stopping when it is above 0), test evaluated once");
            Console.WriteLine(FinalHeader);
            finals.ForEach(Console.WriteLine);
        }
    }

    private const string FinalHeader = "dataset    run        cv-acc  cv-loss  val-acc  test-acc  top1-acc  macro-F1  log-loss  used  epochs(best)  seconds  setting";

    private static string Final(string root, string dataset, FeatureTable train, string run, MixtureOfExpertsModelOptions options, double cvAccuracy, double cvLogLoss, string setting)
    {
        var clock = Stopwatch.StartNew();
        var model = MixtureOfExpertsModel.Fit(train, options);
        double seconds = clock.Elapsed.TotalSeconds;
        var test = CsvFeatureReader.Read(MixtureOfExpertsRuns.DataFile(root, dataset, "test"), label: "label");
        var soft = model.Evaluate(test);
        var top1 = model.WithTopK(1).Evaluate(test);
        var training = model.Training!;
        var (validationAccuracy, _) = MixtureOfExpertsRuns.BestValidation(training);
        return string.Create(Inv, $"{dataset,-10} {run,-10} {cvAccuracy:F4}  {cvLogLoss:F4}   {validationAccuracy:F4}   {soft.Accuracy:F4}    {top1.Accuracy:F4}    {soft.MacroF1:F4}    {soft.LogLoss:F4}  {options.Architecture.Experts - soft.UnusedExperts}/{options.Architecture.Experts,-3} {training.EpochsRun,4}({training.BestEpoch,3})  {seconds,7:F1}  {setting}");
    }

    private static MixtureOfExpertsModelOptions OptionsFor(Dictionary<string, string> baseFlags, Dictionary<string, string> setting, string run)
    {
        var merged = new Dictionary<string, string>(baseFlags, StringComparer.Ordinal);
        foreach (var (key, value) in setting)
        {
            merged[key] = value;
        }

        var options = MixtureOfExpertsRuns.Options(merged);
        MixtureOfExpertsRuns.ApplyRun(options, run);
        return options;
    }

    /// <summary>The grid's settings for <paramref name="run"/>; for k1 without the gate-only keys, duplicates removed.</summary>
    private static List<Dictionary<string, string>> Candidates(List<(string Key, string[] Values)> grid, string run)
    {
        var settings = new List<Dictionary<string, string>> { new(StringComparer.Ordinal) };
        foreach (var (key, values) in grid)
        {
            if (run == "k1" && GateOnlyKeys.Contains(key))
            {
                continue;
            }

            settings = settings.SelectMany(s => values.Select(v => new Dictionary<string, string>(s, StringComparer.Ordinal) { [key] = v })).ToList();
        }

        return settings;
    }

    private static List<(string Key, string[] Values)> ParseGrid(string grid) =>
        grid.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part =>
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new ArgumentException($"Grid entry '{part}' is not key=value[,value...].");
                }

                return (part[..eq], part[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries));
            })
            .ToList();

    private static string Describe(Dictionary<string, string> setting) =>
        setting.Count == 0 ? "(defaults)" : string.Join(" ", setting.Select(kv => $"{kv.Key}={kv.Value}"));
}
