using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace MLNetMixture.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public void Quick_demo_trains_exports_scores_and_reports_with_onnx_parity()
    {
        string dir = Directory.CreateTempSubdirectory("mlmix-demo-").FullName;
        try
        {
            var (code, stdout, stderr) = ProgramTests.Run("demo", "--quick", "--output-dir", dir, "--json");
            Assert.True(code == ExitCodes.Success, stderr);
            var result = JsonNode.Parse(stdout)!.AsObject();
            var summary = result["summary"]!.AsArray();
            Assert.Equal(3, summary.Count);
            Assert.All(summary, row =>
            {
                foreach (string field in new[] { "native", "onnxRuntime", "maxAbsDiff", "nativeMilliseconds", "onnxRuntimeMilliseconds" })
                {
                    Assert.Equal(System.Text.Json.JsonValueKind.Number, row![field]!.GetValueKind());
                }
            });
            Assert.InRange(summary[0]!["native"]!.GetValue<double>(), 0, 1); // the MoE's test accuracy, a fraction
            Assert.DoesNotContain('\u001b', stderr); // the human output (on stderr with --json) is plain text
            Assert.Contains("ORT = the exported ONNX graph run by ONNX Runtime", stderr, StringComparison.Ordinal);
            Assert.True(result["moe"]!["onnxLabelAgreement"]!.GetValue<double>() >= 0.99);
            Assert.True(result["moe"]!["maxScoreDiff"]!.GetValue<double>() < 1e-4);
            Assert.True(result["flow2d"]!["maxLogDensityDiff"]!.GetValue<double>() < 1e-3);
            foreach (var f in new[] { "moe-digits.mlmix", "moe-digits.onnx", "flow-8gaussians.onnx", "flow-miniboone.onnx", "report.html" })
            {
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            }

            string html = File.ReadAllText(Path.Combine(dir, "report.html"));
            int svgs = 0;
            for (int i = html.IndexOf("<svg", StringComparison.Ordinal); i >= 0; i = html.IndexOf("<svg", i + 1, StringComparison.Ordinal))
            {
                int end = html.IndexOf("</svg>", i, StringComparison.Ordinal) + "</svg>".Length;
                XDocument.Parse(html[i..end]);
                svgs++;
            }

            Assert.True(svgs >= 5, $"{svgs} figures");
            Assert.Contains("Summary", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
