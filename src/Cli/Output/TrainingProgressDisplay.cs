using System.Globalization;
using MLNetMixture.Training.Trainers;
using Spectre.Console;

namespace MLNetMixture.Cli.Output;

/// <summary>
/// Shows training progress: a live Spectre.Console display (bar, epoch, loss, validation metric, samples/s,
/// temperature, ETA) when a person watches a terminal; otherwise one plain line per epoch on standard error
/// (tests, CI, pipes, --json), or nothing with --quiet. When Ctrl+C stops training, the display says so at once
/// ("stopping after the current step") and ends with the bar where training stopped, so that the command's own
/// message about the stop comes after it, on a line of its own.
/// </summary>
internal static class TrainingProgressDisplay
{
    /// <summary>What the display says as soon as Ctrl+C is pressed.</summary>
    public const string StoppingMessage = "Ctrl+C: stopping after the current step and keeping the best parameters (press Ctrl+C again to abort).";

    /// <summary>The same, short enough for the live display's line.</summary>
    private const string ShortStoppingMessage = "stopping after this step (Ctrl+C again aborts)";

    /// <summary>The live display's spinner, 20-character bar, percentage and clock, with the spaces between columns.</summary>
    private const int FixedColumnsWidth = 40;

    /// <summary>Runs <paramref name="train"/>, which reports each epoch to the progress object it is given.</summary>
    /// <param name="context">The command's output context.</param>
    /// <param name="title">What is being trained, e.g. "mixture of experts".</param>
    /// <param name="epochs">The planned number of epochs.</param>
    /// <param name="summary">A short one-line description of a report for the live display.</param>
    /// <param name="line">The full description of a report for the plain per-epoch line.</param>
    /// <param name="train">The training call.</param>
    public static T Run<T>(
        CliContext context,
        string title,
        int epochs,
        Func<TrainingProgress, string> summary,
        Func<TrainingProgress, string> line,
        Func<IProgress<TrainingProgress>, T> train)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(train);
        if (!context.Interactive)
        {
            using var stopping = context.Cancellation.Register(() => context.Error.WriteLine(StoppingMessage));
            return context.Quiet
                ? train(new EpochReporter(_ => { }))
                : train(new EpochReporter(p => context.Error.WriteLine($"{title}: {line(p)}  ETA {Eta(p.Remaining)}")));
        }

        // The fixed-width columns first and the description last, cut to the room left on the line: a description that
        // wrapped would squeeze the bar and the clock to nothing in an 80-column terminal.
        int room = Math.Max(24, context.Console.Profile.Width - FixedColumnsWidth);
        string Fit(string text) => text.Length <= room ? text : string.Concat(text.AsSpan(0, room - 1), "…");
        return context.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new ElapsedTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(progress =>
            {
                var task = progress.AddTask(Markup.Escape(Fit($"{title}: starting")), maxValue: epochs);
                string last = "starting";
                void Show(string text) => task.Description = Markup.Escape(Fit($"{title}: {text}"));
                using var stopping = context.Cancellation.Register(() => Show($"{ShortStoppingMessage}  {last}"));
                var result = train(new EpochReporter(p =>
                {
                    task.MaxValue = p.Epochs; // the trainer's plan: fewer than asked under a row-visit cap
                    task.Value = p.Epoch;
                    last = summary(p);
                    Show(context.Cancellation.IsCancellationRequested ? $"{ShortStoppingMessage}  {last}" : $"{last}  ETA {Eta(p.Remaining)}");
                }));
                if (context.Cancellation.IsCancellationRequested)
                {
                    // Leave the bar where training stopped; the command reports the stop below the display.
                    Show($"stopped by Ctrl+C  {last}");
                }
                else
                {
                    task.Value = task.MaxValue; // early stopping ends before the planned epochs
                }

                task.StopTask();
                return result;
            });
    }

    /// <summary>A remaining time as h:mm:ss or m:ss.</summary>
    public static string Eta(TimeSpan remaining) => remaining.TotalHours >= 1
        ? remaining.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : remaining.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
