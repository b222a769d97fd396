using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// The fit commands' <c>--stream</c> and <c>--shuffle-buffer-rows</c> options, and what a fit does once trained
/// (save, or say why not) whether it streamed or not.
/// </summary>
/// <param name="Stream">Train from the CSV read in passes instead of holding it.</param>
/// <param name="BufferRows">The most training rows held at once when streaming.</param>
internal sealed record StreamedTrainingOptions(Option<bool> Stream, Option<int> BufferRows)
{
    /// <summary>Creates the two options with their descriptions; <paramref name="defaultBufferRows"/> is the model options' default.</summary>
    public static StreamedTrainingOptions Create(int defaultBufferRows) => new(
        new Option<bool>("--stream") { Description = "Train from the CSV read in passes, never held whole: memory is bounded by --shuffle-buffer-rows, not by the file. Validation rows are chosen by a seeded hash of the row number. Not with --report." },
        new Option<int>("--shuffle-buffer-rows") { Description = "With --stream: the most training rows held at once; a file with fewer training rows is read once and reshuffled every epoch, a larger one is read once per epoch through a shuffle buffer of this many rows.", DefaultValueFactory = _ => defaultBufferRows });

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Stream);
        command.Options.Add(BufferRows);
    }

    /// <summary>
    /// Saves the trained model unless Ctrl+C stopped training before the first epoch ended (then warns and returns
    /// false), warning when it stopped part way.
    /// </summary>
    public static bool SaveTrained(CliContext ctx, TrainingResult result, int epochs, string modelPath, Action<string> save)
    {
        if (result.Cancelled && result.EpochsRun == 0)
        {
            ctx.Warn($"stopped by Ctrl+C before the first epoch ended; no model was saved ({modelPath} is untouched).");
            return false;
        }

        save(modelPath);
        if (result.Cancelled)
        {
            int planned = result.History.Count > 0 ? result.History[^1].Epochs : epochs; // fewer than asked under a row-visit cap
            ctx.Warn($"stopped by Ctrl+C after epoch {result.EpochsRun} of {planned}; saved the best parameters (epoch {result.BestEpoch}) to {modelPath}.");
        }

        return true;
    }

    /// <summary>
    /// The summary of a streamed fit, which holds no rows to evaluate afterwards: the epochs, the best validation score
    /// (named <paramref name="validationName"/>) and, as JSON, the same with the buffer size.
    /// </summary>
    public static int ReportStreamed(CliContext ctx, string command, TrainingResult result, string modelPath, string validationName, int bufferRows)
    {
        ctx.WriteResultLine($"Saved {modelPath}: {result.EpochsRun} epochs ({TrainingSummary.Ending(result)}), best epoch {result.BestEpoch}.");
        TrainingSummary.WriteThreads(ctx, result);
        ctx.WriteResultLine(result.BestValidation is double best
            ? string.Create(CultureInfo.InvariantCulture, $"Best {validationName}: {best:F4}.")
            : "No validation rows.");
        ctx.WriteResult(new JsonObject
        {
            ["command"] = command,
            ["model"] = modelPath,
            ["streamed"] = true,
            ["shuffleBufferRows"] = bufferRows,
            ["epochsRun"] = result.EpochsRun,
            ["bestEpoch"] = result.BestEpoch,
            ["stoppedEarly"] = result.StoppedEarly,
            ["cancelled"] = result.Cancelled,
            ["parallelism"] = TrainingSummary.ParallelismJson(result),
            ["bestValidation"] = result.BestValidation is double b ? JsonNumbers.Of(b) : null,
        });
        return result.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }
}
