using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLNetMixture.Reporting;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Persistence;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// <c>mlmix report</c>: writes the HTML report of a saved model (a mixture-of-experts classifier or a flow), scoring a
/// CSV file when one is given: a classifier's metrics, experts and confusion matrix on labelled rows; a flow's mean
/// log-density and, for two features, its density map over the rows (over samples drawn from it without data).
/// </summary>
public sealed class ReportCommand : ICliCommand
{
    /// <summary>How many rows are drawn from a flow to show when no data are given.</summary>
    public const int FlowSampleRows = 2000;

    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("report", "Write the HTML report of a saved model (moe fit or flow fit), scoring a CSV file when given.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by moe fit or flow fit.", Required = true };
        var data = new Option<string?>("--data") { Description = $"CSV to score (.csv or .csv.gz); a classifier needs its label column. Default: a classifier's settings only; a flow's {FlowSampleRows:N0} samples drawn from it." };
        var output = new Option<string>("--output", "-o") { Description = "The HTML file to write (written to a temporary file, then renamed).", Required = true };
        var features = new Option<string?>("--features") { Description = "Columns to use as the model's features, in order; default: the model's feature names." };
        var label = new Option<string?>("--label") { Description = "A classifier's label column; default: the one it was trained with." };
        foreach (var o in new Option[] { model, data, output, features, label })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Run(context(pr), pr.GetValue(model)!, pr.GetValue(data), pr.GetValue(output)!, pr.GetValue(features), pr.GetValue(label)));
        return cmd;
    }

    private static int Run(CliContext ctx, string modelPath, string? dataPath, string outputPath, string? features, string? label)
    {
        string kind = ModelFile.Load(modelPath, expectedKind: null).Kind;
        var metadata = new List<KeyValuePair<string, string>> { new("model file", modelPath) };
        int? rows;
        if (kind == MixtureOfExpertsModel.ModelKind)
        {
            var model = MixtureOfExpertsModel.Load(modelPath);
            MixtureOfExpertsReport report;
            if (dataPath is null)
            {
                rows = null;
                report = new MixtureOfExpertsReport(model) { ExtraMetadata = metadata };
            }
            else
            {
                var table = ModelDataReader.Read(dataPath, model.FeatureNames, features, label ?? model.Options.LabelColumn);
                var metrics = BadInputGuard.Run(() => model.Evaluate(table));
                rows = table.Rows;
                report = new MixtureOfExpertsReport(model, metrics, dataPath) { ExtraMetadata = [.. metadata, new("data", dataPath)] };
            }

            report.Save(outputPath);
        }
        else if (kind == MixtureDensityFlowModel.ModelKind)
        {
            if (label is not null)
            {
                throw new UsageException($"--label applies to mixture-of-experts models only, and {modelPath} holds a flow; leave --label out.");
            }

            var model = MixtureDensityFlowModel.Load(modelPath);
            FeatureTable table = dataPath is null
                ? model.Sample(FlowSampleRows, seed: 1)
                : ModelDataReader.Read(dataPath, model.FeatureNames, features, label: null);
            if (dataPath is null)
            {
                table = new FeatureTable(table.Features, table.Rows, table.FeatureNames, labels: null, string.Create(CultureInfo.InvariantCulture, $"{FlowSampleRows:N0} samples drawn from the model"));
            }

            rows = table.Rows;
            BadInputGuard.Run(() => new MixtureDensityFlowReport(model, table) { ExtraMetadata = [.. metadata, new("data", table.Source)] }.Save(outputPath));
        }
        else
        {
            throw new UsageException($"{modelPath} holds a {kind} model; report supports {MixtureOfExpertsModel.ModelKind} and {MixtureDensityFlowModel.ModelKind} models.");
        }

        ctx.WriteResultLine(dataPath is null ? $"Wrote {outputPath}: the report of {modelPath}." : $"Wrote {outputPath}: the report of {modelPath} on {rows:N0} rows of {dataPath}.");
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "report",
            ["model"] = modelPath,
            ["modelKind"] = kind,
            ["data"] = dataPath,
            ["rows"] = rows,
            ["output"] = outputPath,
        });
        return ExitCodes.Success;
    }
}
