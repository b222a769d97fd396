using System.CommandLine;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Persistence;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix export</c>: writes a saved model as a standalone ONNX model.</summary>
public sealed class ExportCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("export", "Export a saved model (.mlmix from moe fit or flow fit) to ONNX (--output) and/or a Triton model repository (--triton); the graph standardises raw features itself and carries the feature names (and a classifier's class labels) as metadata.");
        var model = new Option<string>("--model", "-m") { Description = "The model file saved by moe fit or flow fit.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The ONNX file to write (required unless --triton is given)." };
        var triton = new ExportTritonOptions();
        var opset = new Option<int>("--opset") { Description = $"ONNX opset ({OnnxGraphBuilder.MinimumOpset} to {OnnxGraphBuilder.MaximumOpset}).", DefaultValueFactory = _ => OnnxGraphBuilder.DefaultOpset };
        var gate = new Option<string>("--gate") { Description = "Mixture-of-experts models only: soft (full mixture), hard (each row to its arg-max expert) or gumbel (stochastic Gumbel-softmax gate with a Temperature input).", DefaultValueFactory = _ => "soft" };
        gate.AcceptOnlyFromAmong("soft", "hard", "gumbel");
        var seed = new Option<float?>("--seed") { Description = "With --gate gumbel or --mode sample-in-graph: seed of the in-graph draws; default: chosen by the runtime." };
        var mode = new Option<string>("--mode") { Description = "Flow models only: density (Features -> LogDensity, ComponentPosterior, Component), sample (noise inputs ComponentUniforms, Normals -> Samples, LogDensity) or sample-in-graph (SampleRows [N,1] -> Samples, LogDensity with in-graph noise).", DefaultValueFactory = _ => "density" };
        mode.AcceptOnlyFromAmong("density", "sample", "sample-in-graph");
        foreach (var o in new Option[] { model, output, opset, gate, mode, seed })
        {
            cmd.Options.Add(o);
        }

        triton.AddTo(cmd);

        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(model)!;
            string kind = ModelFile.Load(path, expectedKind: null).Kind;
            if (kind == MixtureDensityFlowModel.ModelKind)
            {
                RejectOptionOfOtherKind(pr, gate, path, "mixture-of-experts", "a flow");
            }
            else if (kind == MixtureOfExpertsModel.ModelKind)
            {
                RejectOptionOfOtherKind(pr, mode, path, "flow", "a mixture-of-experts");
            }

            var repository = triton.Read(pr, path);
            string? outputPath = pr.GetValue(output);
            if (outputPath is null && repository is null)
            {
                throw new UsageException("Give --output FILE.onnx, --triton DIR, or both.");
            }

            return Run(context(pr), path, kind, outputPath, repository, pr.GetValue(opset), pr.GetValue(gate)!, pr.GetValue(mode)!, pr.GetValue(seed));
        });
        return cmd;
    }

    /// <summary>--gate means nothing to a flow, --mode nothing to a mixture of experts: given explicitly, say so rather than ignore it.</summary>
    private static void RejectOptionOfOtherKind(ParseResult parse, Option<string> option, string path, string appliesTo, string holds)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            throw new UsageException($"{option.Name} applies to {appliesTo} models only, and {path} holds {holds} model; leave {option.Name} out.");
        }
    }

    private static int Run(CliContext ctx, string modelPath, string kind, string? outputPath, TritonExportRequest? triton, int opset, string gate, string flowMode, float? seed)
    {
        if (kind == MixtureDensityFlowModel.ModelKind)
        {
            return RunFlow(ctx, modelPath, outputPath, triton, opset, flowMode, seed);
        }

        if (kind != MixtureOfExpertsModel.ModelKind)
        {
            throw new UsageException($"{modelPath} holds a {kind} model; export supports {MixtureOfExpertsModel.ModelKind} and {MixtureDensityFlowModel.ModelKind} models.");
        }

        var model = MixtureOfExpertsModel.Load(modelPath);
        var mode = gate switch
        {
            "hard" => MixtureOfExpertsGateMode.HardTop1,
            "gumbel" => MixtureOfExpertsGateMode.GumbelSoftmax,
            _ => MixtureOfExpertsGateMode.Soft,
        };
        var exporter = BadInputGuard.Run(() => new MixtureOfExpertsOnnxExporter(new MixtureOfExpertsOnnxExportOptions
        {
            Opset = opset,
            GateMode = mode,
            GumbelUniforms = GumbelUniformsSource.RandomUniform,
            RandomSeed = seed,
            Description = $"Mixture-of-experts classifier exported from {Path.GetFileName(modelPath)}",
        }));
        var onnx = exporter.ToBytes(model.Standardizer, model.Model, model.ClassLabels, model.FeatureNames);
        return WriteOutputs(ctx, onnx, modelPath, outputPath, triton, opset, ExportedLine, new JsonObject
        {
            ["modelKind"] = kind,
            ["gate"] = gate,
            ["features"] = model.FeatureNames.Count,
            ["classes"] = model.ClassLabels.Count,
        });

        string ExportedLine(long bytes) =>
            $"Wrote {outputPath} ({bytes:N0} bytes, opset {opset}, {gate} gate): input Features [N, {model.FeatureNames.Count}]; outputs Score, PredictedLabel, GateProbabilities, Expert" +
            (mode == MixtureOfExpertsGateMode.GumbelSoftmax ? "; scalar input Temperature." : ".");
    }

    private static int RunFlow(CliContext ctx, string modelPath, string? outputPath, TritonExportRequest? triton, int opset, string flowMode, float? seed)
    {
        var model = MixtureDensityFlowModel.Load(modelPath);
        var options = new MixtureDensityFlowOnnxExportOptions
        {
            Opset = opset,
            Mode = flowMode == "density" ? MixtureDensityFlowOnnxExportMode.Density : MixtureDensityFlowOnnxExportMode.Sampling,
            SamplingNoise = flowMode == "sample-in-graph" ? FlowSamplingNoiseSource.InGraph : FlowSamplingNoiseSource.GraphInputs,
            RandomSeed = seed,
            Description = $"Mixture-density flow exported from {Path.GetFileName(modelPath)}",
        };
        var exporter = BadInputGuard.Run(() => new MixtureDensityFlowOnnxExporter(options));
        var onnx = exporter.ToBytes(model.Model, model.FeatureNames);
        return WriteOutputs(ctx, onnx, modelPath, outputPath, triton, opset, ExportedLine, new JsonObject
        {
            ["modelKind"] = MixtureDensityFlowModel.ModelKind,
            ["mode"] = flowMode,
            ["features"] = model.FeatureNames.Count,
            ["components"] = model.Model.Components,
        });

        string ExportedLine(long bytes) =>
            $"Wrote {outputPath} ({bytes:N0} bytes, opset {opset}, {flowMode} graph of a flow with D = {model.FeatureNames.Count}, K = {model.Model.Components}).";
    }

    /// <summary>
    /// Writes the Triton repository when asked, then the .onnx file when asked (with its result line), and the JSON
    /// result: the command, model, output, bytes and opset, then <paramref name="details"/>, then the Triton result.
    /// </summary>
    private static int WriteOutputs(CliContext ctx, byte[] onnx, string modelPath, string? outputPath, TritonExportRequest? triton, int opset, Func<long, string> exportedLine, JsonObject details)
    {
        var tritonResult = triton?.Write(ctx, onnx);
        var result = new JsonObject { ["command"] = "export", ["model"] = modelPath };
        if (outputPath is not null)
        {
            WriteOnnxFile(outputPath, onnx);
            ctx.WriteResultLine(exportedLine(onnx.LongLength));
            result["output"] = outputPath;
            result["bytes"] = onnx.LongLength;
        }

        result["opset"] = opset;
        if (outputPath is not null)
        {
            foreach (var (key, value) in details)
            {
                result[key] = value?.DeepClone();
            }
        }

        result["triton"] = tritonResult;
        ctx.WriteResult(result);
        return ExitCodes.Success;
    }

    /// <summary>Writes the model bytes to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    private static void WriteOnnxFile(string path, byte[] onnx)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(onnx);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
