using System.Text.Json.Nodes;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Cli.Output;

/// <summary>The words and JSON fields every <c>fit</c> command prints about how its training run ended and used its threads.</summary>
internal static class TrainingSummary
{
    /// <summary>Why training ended: "stopped by Ctrl+C", "stopped early" or "epoch limit".</summary>
    public static string Ending(TrainingResult result) =>
        result.Cancelled ? "stopped by Ctrl+C" : result.StoppedEarly ? "stopped early" : "epoch limit";

    /// <summary>Writes how the run used its threads (e.g. a batch too small to cut), as a progress line that --quiet hides.</summary>
    public static void WriteThreads(CliContext ctx, TrainingResult result)
    {
        if (result.Parallelism is { } parallelism)
        {
            ctx.WriteProgressLine($"Threads: {parallelism.Describe()}.");
        }
    }

    /// <summary>The run's threads as a JSON object, or null where the trainer did not record them.</summary>
    public static JsonObject? ParallelismJson(TrainingResult result) => result.Parallelism is not { } p ? null : new JsonObject
    {
        ["batchRows"] = p.BatchRows,
        ["parts"] = p.Parts,
        ["concurrentParts"] = p.ConcurrentParts,
        ["productThreads"] = p.ProductThreads,
        ["chosenByMeasurement"] = p.ChosenByMeasurement,
    };
}
