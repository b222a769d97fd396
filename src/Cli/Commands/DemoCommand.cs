using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace MLNetMixture.Cli.Commands;

/// <summary><c>mlmix demo</c>: the main job on data shipped in the repository, no arguments needed.</summary>
public sealed class DemoCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build(Func<ParseResult, CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cmd = new Command("demo", "Run the end-to-end demonstration on the shipped data and print a summary.");
        cmd.SetAction(pr => Run(context(pr)));
        return cmd;
    }

    private static int Run(CliContext ctx)
    {
        var summary = new Table().AddColumns("step", "result", "time");
        var json = new JsonObject { ["command"] = "demo" };
        var sw = Stopwatch.StartNew();

        ctx.Console.MarkupLine("[bold]MLNetMixture demo[/]");
        ctx.Console.MarkupLine($"[grey]SIMD: Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}; {Environment.ProcessorCount} cores[/]");

        var gemm = BenchCommand.MeasureGemm([(1024, 256, 256)], 0, 0.5, ctx.Cancellation)[0];
        summary.AddRow("native GEMM 1024x256x256", $"{gemm.Gflops:F1} GFLOP/s", $"{sw.Elapsed.TotalSeconds:F1}s");
        json["gemmGflops"] = Math.Round(gemm.Gflops, 2);

        sw.Restart();
        var providers = OrtEnv.Instance().GetAvailableProviders();
        summary.AddRow("ONNX Runtime providers", string.Join(", ", providers), $"{sw.Elapsed.TotalSeconds:F1}s");
        json["onnxRuntimeProviders"] = new JsonArray(providers.Select(p => (JsonNode)p).ToArray());

        ctx.Console.Write(summary);
        ctx.WriteResult(json);
        return ExitCodes.Success;
    }
}
