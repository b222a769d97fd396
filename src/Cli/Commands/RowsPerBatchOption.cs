using System.CommandLine;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Cli.Commands;

/// <summary>The <c>--rows-per-batch</c> option of the scoring commands: rows read, scored and written at a time.</summary>
internal static class RowsPerBatchOption
{
    /// <summary>A new instance of the option (65,536 rows by default).</summary>
    public static Option<int> Create() => new("--rows-per-batch")
    {
        Description = "Rows read, scored and written at a time; memory stays proportional to this, not to the file's size.",
        DefaultValueFactory = _ => CsvFeatureBatchReader.DefaultBatchSize,
    };
}
