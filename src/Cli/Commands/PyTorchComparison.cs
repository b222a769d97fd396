using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>--pytorch</c> of <c>mlmix bench flow</c> and <c>mlmix bench moe</c>: ours, then the PyTorch reference at the
/// same thread counts, then ours again (back to back, so that a change of load shows as a gap between ours' two
/// runs), printed as one table of training and inference rates per thread count, with each side's best.
/// </summary>
internal static class PyTorchComparison
{
    /// <summary>The legend of the comparison table.</summary>
    public const string Legend = "Rates per second: training samples, inference rows. ours/s: run before PyTorch, run after; "
        + "ours/PyTorch: the better of ours' two runs over PyTorch's fastest variant; 'at': the batch or variant that gave the rate.";

    /// <summary>
    /// Measures ours (<paramref name="measureOurs"/> at each thread count), runs the reference, measures ours again,
    /// and prints and returns (through <see cref="CliContext.WriteResult"/>) the comparison.
    /// </summary>
    /// <param name="ctx">Where to print.</param>
    /// <param name="settings">The bench settings; <see cref="BenchSettings.PyTorch"/> must be set.</param>
    /// <param name="command">The JSON result's command, e.g. "bench flow".</param>
    /// <param name="heading">What was measured (the model), asked for once ours have been measured.</param>
    /// <param name="inference">What the inference rows measure, e.g. "log-density".</param>
    /// <param name="measureOurs">Ours' best rates at a thread count.</param>
    /// <param name="scriptArguments">The reference's measuring arguments (besides --threads and --json).</param>
    /// <param name="referenceMeasuring">How the reference measures, for the machine line.</param>
    public static int Run(
        CliContext ctx,
        BenchSettings settings,
        string command,
        Func<string> heading,
        string inference,
        Func<int, ThreadRates> measureOurs,
        IReadOnlyList<string> scriptArguments,
        string referenceMeasuring)
    {
        var reference = settings.PyTorch ?? throw new InvalidOperationException("--pytorch was not given.");
        string commandLine = reference.CommandLine(settings.Threads, scriptArguments);
        ctx.WriteProgressLine("Measuring ours (run 1 of 2)...");
        var first = settings.Threads.Select(measureOurs).ToList();
        ctx.WriteProgressLine($"Running the PyTorch reference: {commandLine}");
        var figures = reference.Run(settings.Threads, scriptArguments, ctx.Cancellation);
        ctx.WriteProgressLine("Measuring ours (run 2 of 2)...");
        var second = settings.Threads.Select(measureOurs).ToList();

        var table = new Table().AddColumns("threads", "what", "ours/s (1st)", "ours/s (2nd)", "PyTorch/s", "ours/PyTorch", "ours at", "PyTorch at");
        var rows = new JsonArray();
        for (int i = 0; i < settings.Threads.Count; i++)
        {
            int threads = settings.Threads[i];
            var theirs = figures.Rates.FirstOrDefault(r => r.Threads == threads);
            AddRow(table, rows, threads, "training", first[i].Training, second[i].Training, theirs?.Training, first[i].TrainingVariant, theirs?.TrainingVariant);
            AddRow(table, rows, threads, inference, first[i].Inference, second[i].Inference, theirs?.Inference, first[i].InferenceVariant, theirs?.InferenceVariant);
        }

        string measuring = string.Create(CultureInfo.InvariantCulture, $"; ours {settings.Seconds:0.###} s per rate, best of 3, before and after PyTorch; PyTorch {referenceMeasuring}");
        string model = heading();
        BenchReport.Write(ctx, model + " — ours vs PyTorch", table, Legend, settings, measuring);
        ctx.Console.MarkupLine($"[grey]{Markup.Escape(figures.Summary)}[/]");
        var ours = first.Zip(second, (a, b) => a with { Training = Math.Max(a.Training, b.Training), Inference = Math.Max(a.Inference, b.Inference) }).ToList();
        var trainingBest = Best("training", ours, figures.Rates, r => r.Training);
        var inferenceBest = Best(inference, ours, figures.Rates, r => r.Inference);
        ctx.Console.MarkupLine(Markup.Escape($"Each at its best thread count: {trainingBest.Line}; {inferenceBest.Line}."));

        var result = BenchReport.Result(command, settings);
        result["model"] = model;
        result["comparison"] = rows;
        result["best"] = new JsonObject { ["training"] = trainingBest.Json, ["inference"] = inferenceBest.Json, ["inferenceIs"] = inference };
        result["pytorchCommand"] = commandLine;
        result["pytorch"] = figures.Json.DeepClone();
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }

    private static void AddRow(Table table, JsonArray rows, int threads, string what, double first, double second, double? theirs, string oursAt, string? theirsAt)
    {
        double ours = Math.Max(first, second);
        table.AddRow(
            BenchReport.Count(threads),
            what,
            BenchReport.Rate(first),
            BenchReport.Rate(second),
            theirs is { } t ? BenchReport.Rate(t) : "-",
            theirs is { } r && r > 0 ? BenchReport.Ratio(ours / r) : "-",
            oursAt,
            theirsAt ?? "(not run)");
        rows.Add(new JsonObject
        {
            ["threads"] = threads,
            ["what"] = what,
            ["oursFirstPerSecond"] = BenchReport.RateJson(first),
            ["oursSecondPerSecond"] = BenchReport.RateJson(second),
            ["oursVariant"] = oursAt,
            ["pytorchPerSecond"] = theirs is { } p ? BenchReport.RateJson(p) : null,
            ["pytorchVariant"] = theirsAt,
            ["oursOverPyTorch"] = theirs is { } q && q > 0 ? BenchReport.RatioJson(ours / q) : null,
        });
    }

    /// <summary>Each side's fastest thread count for one rate, and the ratio of the two bests.</summary>
    private static (string Line, JsonObject Json) Best(string what, IReadOnlyList<ThreadRates> ours, IReadOnlyList<ThreadRates> theirs, Func<ThreadRates, double> rate)
    {
        var o = ours.MaxBy(rate)!;
        var t = theirs.MaxBy(rate)!;
        double ratio = rate(o) / rate(t);
        string line = $"{what} ours {BenchReport.Rate(rate(o))}/s ({Threads(o.Threads)}), PyTorch {BenchReport.Rate(rate(t))}/s ({Threads(t.Threads)}): {BenchReport.Ratio(ratio)}";
        var json = new JsonObject
        {
            ["ours"] = new JsonObject { ["threads"] = o.Threads, ["perSecond"] = BenchReport.RateJson(rate(o)) },
            ["pytorch"] = new JsonObject { ["threads"] = t.Threads, ["perSecond"] = BenchReport.RateJson(rate(t)) },
            ["oursOverPyTorch"] = BenchReport.RatioJson(ratio),
        };
        return (line, json);
    }

    private static string Threads(int count) => count == 1 ? "1 thread" : BenchReport.Count(count) + " threads";
}
