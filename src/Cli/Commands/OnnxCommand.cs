using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetMixture.Cli.Output;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix onnx score</c>: scores a CSV file with any exported ONNX model through ONNX Runtime.</summary>
public sealed class OnnxCommand : ICliCommand
{
    private const string TemperatureInput = "Temperature";
    private const string UniformsInput = "GateUniforms";

    /// <summary>Outputs written first, in this order, when a model has them; any others follow in graph order.</summary>
    private static readonly string[] PreferredOutputs = ["PredictedLabel", "Expert", "Score", "GateProbabilities"];

    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("onnx", "Work with exported ONNX models.");
        var score = new Command("score", "Score a CSV file with an ONNX model through ONNX Runtime and write every output as CSV columns.");
        var model = new Option<string>("--model", "-m") { Description = "The ONNX model (e.g. from mlmix export).", Required = true };
        var data = new Option<string>("--data") { Description = "CSV to score (.csv or .csv.gz).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The CSV to write (written to a temporary file, then renamed).", Required = true };
        var features = new Option<string?>("--features") { Description = "Columns fed to the Features input, in order; default: the model's feature_names metadata, else every column." };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var fallback = new Option<bool>("--fallback-cpu") { Description = "If CUDA cannot be used, warn and score on the CPU instead of failing." };
        var batch = new Option<int>("--batch-size") { Description = "Rows per ONNX Runtime call.", DefaultValueFactory = _ => 1024 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var temperature = new Option<float>("--temperature") { Description = "Value of a scalar Temperature input (Gumbel-softmax gates).", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "Seed of the uniforms fed to a GateUniforms input.", DefaultValueFactory = _ => 1 };
        var rowsPerBatch = RowsPerBatchOption.Create();
        foreach (var o in new Option[] { model, data, output, features, device, fallback, batch, threads, temperature, seed, rowsPerBatch })
        {
            score.Options.Add(o);
        }

        score.SetAction(pr => Score(
            context(pr),
            pr.GetValue(model)!,
            pr.GetValue(data)!,
            pr.GetValue(output)!,
            pr.GetValue(features),
            pr.GetValue(device)!,
            pr.GetValue(fallback),
            pr.GetValue(batch),
            pr.GetValue(threads),
            pr.GetValue(temperature),
            pr.GetValue(seed),
            pr.GetValue(rowsPerBatch)));
        cmd.Subcommands.Add(score);
        return cmd;
    }

    private static int Score(CliContext ctx, string modelPath, string dataPath, string outputPath, string? featureSpec, string deviceText, bool fallback, int batchSize, int threads, float temperature, int seed, int rowsPerBatch)
    {
        var (device, deviceId) = ExecutionDeviceSpec.Parse(deviceText);
        if (batchSize < 1)
        {
            throw new UsageException($"--batch-size must be at least 1; got {batchSize}.");
        }

        string? fallbackWarning = null;
        var options = new OnnxScoringOptions
        {
            Device = device,
            DeviceId = deviceId,
            FallbackToCpu = fallback,
            BatchSize = batchSize,
            IntraOpThreads = Math.Max(0, threads),
            Warning = message =>
            {
                fallbackWarning = message;
                ctx.Warn(message);
            },
        };
        using var scorer = Load(modelPath, options);
        string featuresInput = FeaturesInputName(scorer, modelPath);
        var featureNames = MetadataList(scorer, OnnxMetadataKeys.FeatureNames);
        using var batches = ModelDataBatches.Open(dataPath, featureNames, featureSpec, rowsPerBatch);
        long width = scorer.InputWidth(featuresInput);
        if (width > 0 && batches.FeatureNames.Count != width)
        {
            throw new UsageException(
                $"{dataPath}: {batches.FeatureNames.Count} feature columns selected, but the model's '{featuresInput}' input expects {width} per row" +
                (featureSpec is null ? "; choose the columns with --features." : "."));
        }

        foreach (string name in scorer.InputNames.Where(n => n is not TemperatureInput and not UniformsInput && n != featuresInput))
        {
            throw new UsageException($"{modelPath}: input '{name}' cannot be fed from the command line; mlmix onnx score feeds '{featuresInput}', '{TemperatureInput}' and '{UniformsInput}'.");
        }

        var uniforms = new Random(seed); // one stream across batches: the same draws as scoring the file at once
        var classLabels = MetadataList(scorer, OnnxMetadataKeys.ClassLabels);
        var (first, scored) = ScoredBatches.Start(batches.ReadBatches(), table =>
        {
            var inputs = new Dictionary<string, float[]>(StringComparer.Ordinal) { [featuresInput] = table.Features };
            foreach (string name in scorer.InputNames.Where(n => n != featuresInput))
            {
                inputs[name] = name == TemperatureInput ? [temperature] : Uniforms(uniforms, table.Rows, scorer.InputWidth(name));
            }

            var results = BadInputGuard.Run(() => scorer.Score(inputs, table.Rows));
            var ordered = PreferredOutputs.Where(results.ContainsKey).Concat(scorer.OutputNames.Where(n => !PreferredOutputs.Contains(n))).Select(n => results[n]).ToArray();
            return (Rows: table.Rows, Outputs: ordered);
        });
        var header = first.Outputs.SelectMany(o => ColumnNames(o, classLabels)).ToArray();
        long rows = 0;
        CsvOutputFile.Write(
            outputPath,
            header,
            scored.SelectMany(batch => Enumerable.Range(0, batch.Rows).Select(r =>
            {
                rows++;
                return Row(batch.Outputs, r, classLabels, header.Length);
            })),
            ctx.Cancellation);
        ctx.WriteResultLine($"Scored {rows:N0} rows with {modelPath} on {scorer.ActiveProvider}; wrote {outputPath}.");
        ctx.WriteResult(new JsonObject
        {
            ["command"] = "onnx score",
            ["model"] = modelPath,
            ["data"] = dataPath,
            ["output"] = outputPath,
            ["rows"] = rows,
            ["batches"] = batches.BatchesRead,
            ["provider"] = scorer.ActiveProvider,
            ["fallbackReason"] = scorer.FallbackReason,
            ["warning"] = fallbackWarning,
            ["columns"] = new JsonArray([.. header.Select(h => (JsonNode)h)]),
        });
        return ExitCodes.Success;
    }

    private static OnnxScorer Load(string path, OnnxScoringOptions options)
    {
        try
        {
            return OnnxScorer.Load(path, options);
        }
        catch (ExecutionProviderUnavailableException e)
        {
            throw new UsageException(e.Message.Replace("(Set FallbackToCpu to run on the CPU instead.)", "Pass --fallback-cpu to score on the CPU instead.", StringComparison.Ordinal), e);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"{path} is not a valid ONNX model: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new UsageException($"{path}: {e.Message}", e);
        }
    }

    private static string FeaturesInputName(OnnxScorer scorer, string path)
    {
        if (scorer.InputNames.Contains(OnnxExportConventionsFeatures))
        {
            return OnnxExportConventionsFeatures;
        }

        var candidates = scorer.InputNames.Where(n => n is not TemperatureInput and not UniformsInput).ToArray();
        return candidates.Length == 1
            ? candidates[0]
            : throw new UsageException($"{path}: cannot tell which input takes the features (inputs: {string.Join(", ", scorer.InputNames)}); mlmix expects one named '{OnnxExportConventionsFeatures}'.");
    }

    private static string OnnxExportConventionsFeatures => MixtureOfExpertsOnnxExporter.FeaturesInput;

    private static string[]? MetadataList(OnnxScorer scorer, string key)
    {
        if (!scorer.Metadata.TryGetValue(key, out string? text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static float[] Uniforms(Random random, int rows, long width)
    {
        if (width <= 0)
        {
            throw new UsageException($"The {UniformsInput} input has a dynamic width; it cannot be generated.");
        }

        var values = new float[rows * width];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * (1 - 2e-7)) + 1e-7);
        }

        return values;
    }

    private static IEnumerable<string> ColumnNames(OnnxOutput output, string[]? classLabels)
    {
        int n = output.RowLength;
        if (n == 1 && output.Shape.Length <= 2)
        {
            return [output.Name];
        }

        bool perClass = classLabels is not null && classLabels.Length == n && output.Name == MixtureOfExpertsOnnxExporter.ScoreOutput;
        return Enumerable.Range(0, n).Select(i => output.Name + "." + (perClass ? classLabels![i] : i.ToString(CultureInfo.InvariantCulture)));
    }

    private static string[] Row(OnnxOutput[] outputs, int row, string[]? classLabels, int columns)
    {
        var fields = new string[columns];
        int f = 0;
        foreach (var output in outputs)
        {
            int n = output.RowLength;
            for (int i = 0; i < n; i++)
            {
                int index = (row * n) + i;
                if (output.Floats is { } floats)
                {
                    fields[f++] = CsvOutputFile.Format(floats[index]);
                }
                else
                {
                    long value = output.Int64s![index];
                    bool label = output.Name == MixtureOfExpertsOnnxExporter.PredictedLabelOutput && classLabels is not null && value >= 0 && value < classLabels.Length;
                    fields[f++] = label ? classLabels![value] : value.ToString(CultureInfo.InvariantCulture);
                }
            }
        }

        return fields;
    }
}
