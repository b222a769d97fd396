using System.Globalization;
using System.Text.Json;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;
using Exporter = MLNetMixture.Training.Onnx.MixtureDensityFlowOnnxExporter;

namespace MLNetMixture.Training.Tests.Onnx;

public sealed class MixtureDensityFlowOnnxExportTests
{
    /// <summary>|onnx - tape| &lt;= Tolerance * max(1, |tape|) for log-densities and samples.</summary>
    private const float Tolerance = 1e-4f;

    /// <summary>|onnx - tape| &lt;= PosteriorTolerance for posterior probabilities (values in [0, 1]).</summary>
    private const float PosteriorTolerance = 1e-4f;

    /// <summary>
    /// Every scaled difference of a sampler's outputs stays below this. Sampling runs the flow backwards, where a
    /// spline bin's width and height are differences of cumulative sums of the knots: an input in one of the narrowest
    /// bins (1e-3 of the interval) turns the ulp-level rounding differences of those sums between two matrix-product
    /// kernels into relative errors up to a thousand times larger. 99% of the elements stay within <see cref="Tolerance"/>.
    /// </summary>
    private const float SamplingTolerance = 5e-3f;

    /// <summary>Two posterior probabilities within this much are a tie up to float32 rounding: the arg-max may go either way.</summary>
    private const float TieMargin = 2e-6f;

    private const int Rows = 10_000;

    private static readonly IReadOnlyList<string> FeatureNames = PerturbedFlows.FeatureNames;

    /// <summary>ONNX operators with CPU and CUDA kernels in ONNX Runtime that an exported flow may use.</summary>
    private static readonly HashSet<string> AllowedOperators =
    [
        "Abs", "Add", "ArgMax", "Cast", "Clip", "Concat", "Div", "Elu", "Equal", "Erf", "Exp", "Expand", "Gather", "Gemm",
        "GreaterOrEqual", "Identity", "Less", "Log", "LogSoftmax", "MatMul", "Mul", "Neg", "RandomNormalLike",
        "RandomUniformLike", "Reciprocal", "ReduceMax", "ReduceSum", "Relu", "Reshape", "Slice", "Softmax", "Softplus",
        "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Where",
    ];

    private readonly ITestOutputHelper _output;

    public MixtureDensityFlowOnnxExportTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(4, true, 17)]
    [InlineData(1, false, 21)]
    [InlineData(4, false, 19)]
    [InlineData(1, true, 18)]
    public void Density_export_matches_the_tape_on_10000_rows(int components, bool standardized, int opset)
    {
        var model = PerturbedFlows.Create(components, standardized);
        var data = PerturbedFlows.Rows(Rows, standardized, new RandomSource(77));

        // Both spline layers see real shares of their elements in the linear tails.
        var tails = PerturbedFlows.SplineTailShares(model, data);
        Assert.All(tails, share => Assert.True(share > 0.01, $"only {share:P2} of a spline layer's elements lie in its tails"));

        var onnx = Score(Export(model, new MixtureDensityFlowOnnxExportOptions { Opset = opset }), new() { [Exporter.FeaturesInput] = data.ToArray() }, Rows);
        var (logDensity, posterior) = TapeDensity(model, data);

        Assert.Equal(new long[] { Rows }, onnx[Exporter.LogDensityOutput].Shape);
        Assert.Equal(new long[] { Rows, components }, onnx[Exporter.ComponentPosteriorOutput].Shape);
        Assert.Equal(new long[] { Rows }, onnx[Exporter.ComponentOutput].Shape);
        float densityDiff = AssertClose(logDensity, onnx[Exporter.LogDensityOutput].Floats!, Tolerance, scaled: true, "LogDensity");
        float posteriorDiff = AssertClose(posterior, onnx[Exporter.ComponentPosteriorOutput].Floats!, PosteriorTolerance, scaled: false, "ComponentPosterior");
        int ties = AssertSameArgMax(posterior, onnx[Exporter.ComponentOutput].Int64s!);

        // The model is far from trivial: log-densities spread over a wide range, and with K = 4 the posterior is
        // neither uniform nor one-hot everywhere.
        var values = logDensity.ToArray();
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"K {components}, standardised {standardized}, opset {opset}: max scaled |diff| LogDensity {densityDiff:G3}, max |diff| ComponentPosterior {posteriorDiff:G3}, component tie mismatches {ties}; log-density range [{values.Min():F2}, {values.Max():F2}]; spline tail shares {string.Join(", ", tails.Select(s => s.ToString("P1", CultureInfo.InvariantCulture)))}"));
        Assert.True(values.Max() - values.Min() > 10f);
        if (components > 1)
        {
            double meanMax = Enumerable.Range(0, Rows).Average(r => posterior.RowSpan(r).ToArray().Max());
            _output.WriteLine($"mean max posterior {meanMax:F3}");
            Assert.InRange(meanMax, 0.4, 0.99);
        }
    }

    [Theory]
    [InlineData(4, true, true, 1f, 17)]
    [InlineData(1, false, true, 1f, 20)]
    [InlineData(4, false, false, 0.5f, 18)]
    [InlineData(4, true, false, 2f, 21)]
    public void Sampling_export_reproduces_the_tape_samples_from_the_same_noise(int components, bool standardized, bool straightThrough, float temperature, int opset)
    {
        var model = PerturbedFlows.Create(components, standardized);
        var random = new RandomSource(123);
        var uniforms = new Tensor(Rows, components);
        random.FillUniform(uniforms.Span);
        var normals = new Tensor(Rows, PerturbedFlows.Dimension);
        random.FillNormal(normals.Span);

        var options = new MixtureDensityFlowOnnxExportOptions
        {
            Opset = opset,
            Mode = MixtureDensityFlowOnnxExportMode.Sampling,
            StraightThrough = straightThrough,
            SamplingTemperature = temperature,
        };
        var onnx = Score(Export(model, options), new() { [Exporter.ComponentUniformsInput] = uniforms.ToArray(), [Exporter.NormalsInput] = normals.ToArray() }, Rows);
        var (samples, logDensity) = TapeSamples(model, uniforms, normals, temperature, straightThrough);

        Assert.Equal(new long[] { Rows, PerturbedFlows.Dimension }, onnx[Exporter.SamplesOutput].Shape);
        Assert.Equal(new long[] { Rows }, onnx[Exporter.LogDensityOutput].Shape);
        var sampleDiff = AssertClose(samples.ToArray(), onnx[Exporter.SamplesOutput].Floats!, Tolerance, SamplingTolerance, scaled: true, "Samples");
        var densityDiff = AssertClose(logDensity.ToArray(), onnx[Exporter.LogDensityOutput].Floats!, Tolerance, SamplingTolerance, scaled: true, "LogDensity");
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"K {components}, standardised {standardized}, straight-through {straightThrough}, tau {temperature}, opset {opset}: scaled |diff| Samples 99th percentile {sampleDiff.P99:G3}, max {sampleDiff.Max:G3}; LogDensity 99th percentile {densityDiff.P99:G3}, max {densityDiff.Max:G3}"));

        // The noise is used: every column of the samples is spread.
        var perDimensionSpread = Enumerable.Range(0, PerturbedFlows.Dimension).Select(j => StandardDeviation(Column(samples, j))).ToArray();
        Assert.All(perDimensionSpread, s => Assert.True(s > 0f));
    }

    [Fact]
    public void In_graph_noise_draws_plausible_samples_whose_log_densities_match_the_density_graph()
    {
        const int n = 20_000, d = PerturbedFlows.Dimension, k = 4;
        var model = PerturbedFlows.Create(k, standardized: true);
        var sampler = Export(model, new MixtureDensityFlowOnnxExportOptions
        {
            Opset = 18,
            Mode = MixtureDensityFlowOnnxExportMode.Sampling,
            SamplingNoise = FlowSamplingNoiseSource.InGraph,
            RandomSeed = 1234f,
        });
        var inputs = new Dictionary<string, float[]> { [Exporter.SampleRowsInput] = new float[n] };
        using var scorer = OnnxScorer.Load(sampler, new OnnxScoringOptions { BatchSize = 4096, IntraOpThreads = 1 });
        Assert.Equal(new[] { Exporter.SampleRowsInput }, scorer.InputNames);
        var first = scorer.Score(inputs, n);
        Assert.Equal(new long[] { n, d }, first[Exporter.SamplesOutput].Shape);
        Assert.Equal(new long[] { n }, first[Exporter.LogDensityOutput].Shape);
        var drawn = new Tensor(first[Exporter.SamplesOutput].Floats!, n, d);
        var drawnLogDensity = first[Exporter.LogDensityOutput].Floats!;
        Assert.All(drawn.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(drawnLogDensity, v => Assert.True(float.IsFinite(v)));

        // The deterministic sampler on a tape, with noise from our own generator: the same distribution.
        var random = new RandomSource(2024);
        var uniforms = new Tensor(n, k);
        random.FillUniform(uniforms.Span);
        var normals = new Tensor(n, d);
        random.FillNormal(normals.Span);
        var (reference, referenceLogDensity) = TapeSamples(model, uniforms, normals, 1f, straightThrough: true);
        for (int j = 0; j < d; j++)
        {
            var a = Column(drawn, j);
            var b = Column(reference, j);
            double meanA = a.Average(), meanB = b.Average();
            double varA = Variance(a, meanA), varB = Variance(b, meanB);
            double meanError = Math.Sqrt((varA / n) + (varB / n));

            // The sampling error of a variance estimate, from the fourth central moment.
            double varianceError = Math.Sqrt(((FourthMoment(a, meanA) - (varA * varA)) / n) + ((FourthMoment(b, meanB) - (varB * varB)) / n));
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{FeatureNames[j]}: mean {meanA:G5} vs {meanB:G5} (se {meanError:G3}), variance {varA:G5} vs {varB:G5} (se {varianceError:G3})"));
            Assert.True(Math.Abs(meanA - meanB) <= 5 * meanError, $"{FeatureNames[j]}: in-graph mean {meanA} vs {meanB}");
            Assert.True(Math.Abs(varA - varB) <= 5 * varianceError, $"{FeatureNames[j]}: in-graph variance {varA} vs {varB}");
        }

        // The density graph gives the same log-densities at the drawn points, and assigns them to the components as
        // often as it assigns the deterministic sampler's draws.
        var densityModel = Export(model, new MixtureDensityFlowOnnxExportOptions { Opset = 18 });
        var atDrawn = Score(densityModel, new() { [Exporter.FeaturesInput] = drawn.ToArray() }, n);
        var atReference = Score(densityModel, new() { [Exporter.FeaturesInput] = reference.ToArray() }, n);
        // Sampling inverts the flow and the density graph runs it forwards, so the two log-densities of one point differ
        // by the round trip's float32 error; the tape's own sampler and density differ as much on its own draws.
        var roundTrip = Differences(drawnLogDensity, atDrawn[Exporter.LogDensityOutput].Floats!, scaled: true, "sampler vs density graph LogDensity");
        var (referenceDensity, _) = TapeDensity(model, reference);
        var tapeRoundTrip = Differences(referenceLogDensity.ToArray(), referenceDensity.ToArray(), scaled: true, "tape sampler vs tape density");
        double[] shares = [0.5, 0.99, 0.999];
        _output.WriteLine("round-trip scaled |LogDensity diff| at the 50th, 99th, 99.9th percentiles and max: onnx " + string.Join(", ", shares.Select(q => Percentile(roundTrip, q).ToString("G3", CultureInfo.InvariantCulture))) + string.Create(CultureInfo.InvariantCulture, $", {roundTrip.Max():G3}; tape ") + string.Join(", ", shares.Select(q => Percentile(tapeRoundTrip, q).ToString("G3", CultureInfo.InvariantCulture))) + string.Create(CultureInfo.InvariantCulture, $", {tapeRoundTrip.Max():G3}"));
        Assert.True(Percentile(roundTrip, 0.5) <= 1e-5f, $"median round-trip difference {Percentile(roundTrip, 0.5)}");
        foreach (double q in shares.Skip(1))
        {
            Assert.True(Percentile(roundTrip, q) <= (2 * Percentile(tapeRoundTrip, q)) + 1e-5f, $"round-trip difference at the {q:P1} percentile: onnx {Percentile(roundTrip, q)}, tape {Percentile(tapeRoundTrip, q)}");
        }

        Assert.True(roundTrip.Max() <= (2 * tapeRoundTrip.Max()) + 1e-4f, $"largest round-trip difference: onnx {roundTrip.Max()}, tape {tapeRoundTrip.Max()}");
        var countsA = new int[k];
        var countsB = new int[k];
        foreach (long c in atDrawn[Exporter.ComponentOutput].Int64s!)
        {
            countsA[c]++;
        }

        foreach (long c in atReference[Exporter.ComponentOutput].Int64s!)
        {
            countsB[c]++;
        }

        _output.WriteLine($"most probable component counts {string.Join("/", countsA)} vs {string.Join("/", countsB)}");
        for (int c = 0; c < k; c++)
        {
            double p = (countsA[c] + countsB[c]) / (2.0 * n);
            double error = Math.Sqrt(2 * p * (1 - p) / n);
            Assert.True(Math.Abs((countsA[c] - countsB[c]) / (double)n) <= (5 * error) + 1e-4, $"component {c}: {countsA[c]} vs {countsB[c]} draws");
        }

        // Fresh draws on every run; a new session with the same seed replays them.
        var second = scorer.Score(inputs, n);
        Assert.NotEqual(first[Exporter.SamplesOutput].Floats!, second[Exporter.SamplesOutput].Floats!);
        using var replay = OnnxScorer.Load(sampler, new OnnxScoringOptions { BatchSize = 4096, IntraOpThreads = 1 });
        Assert.Equal(first[Exporter.SamplesOutput].Floats!, replay.Score(inputs, n)[Exporter.SamplesOutput].Floats!);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void Every_exported_kind_passes_the_independent_checker_and_scores_1_and_10000_rows(int opset)
    {
        var standardizedModel = PerturbedFlows.Create(4, standardized: true);
        var rawModel = PerturbedFlows.Create(1, standardized: false);
        var sampling = new MixtureDensityFlowOnnxExportOptions { Opset = opset, Mode = MixtureDensityFlowOnnxExportMode.Sampling };
        var kinds = new (string Name, MixtureDensityFlow Model, MixtureDensityFlowOnnxExportOptions Options)[]
        {
            ("density", standardizedModel, new() { Opset = opset }),
            ("density-raw-no-component", rawModel, new() { Opset = opset, IncludeComponentOutput = false }),
            ("sampling-inputs", standardizedModel, sampling),
            ("sampling-relaxed", rawModel, sampling with { StraightThrough = false, SamplingTemperature = 0.3f }),
            ("sampling-in-graph", standardizedModel, sampling with { SamplingNoise = FlowSamplingNoiseSource.InGraph, RandomSeed = 5f }),
        };
        string folder = Directory.CreateTempSubdirectory("flow-onnx-").FullName;
        try
        {
            var paths = new List<string>();
            foreach (var (name, model, options) in kinds)
            {
                var exporter = new Exporter(options);
                var graph = exporter.BuildGraph(model);
                var used = graph.Graph.Node.Select(node => node.OpType).ToHashSet(StringComparer.Ordinal);
                Assert.Empty(used.Except(AllowedOperators));
                Assert.All(graph.Graph.Node, node => Assert.Equal(string.Empty, node.Domain));

                string path = Path.Combine(folder, $"{name}-{opset}.onnx");
                exporter.WriteFile(model, FeatureNames, path);
                paths.Add(path);
                CheckDynamicBatch(path, model, options);
            }

            _output.WriteLine(OnnxChecker.AssertValid([.. paths]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_metadata_describes_the_flow_the_mode_and_the_noise()
    {
        var model = PerturbedFlows.Create(4, standardized: true);
        var density = Export(model, new MixtureDensityFlowOnnxExportOptions { ProducerName = "flow-tests" });
        using (var scorer = OnnxScorer.Load(density))
        {
            var metadata = scorer.Metadata;
            Assert.Equal("flow-tests", metadata[OnnxMetadataKeys.Producer]);
            Assert.False(string.IsNullOrEmpty(metadata[OnnxMetadataKeys.LibraryVersion]));
            Assert.Equal(Exporter.ModelKind, metadata[OnnxMetadataKeys.ModelKind]);
            Assert.Equal("Density", metadata[OnnxMetadataKeys.ExportMode]);
            Assert.Equal("5", metadata[OnnxMetadataKeys.Dimension]);
            Assert.Equal("4", metadata[OnnxMetadataKeys.Components]);
            Assert.Equal(PerturbedFlows.LayerKinds, JsonSerializer.Deserialize<string[]>(metadata[OnnxMetadataKeys.FlowLayers]));
            Assert.Equal(FeatureNames, JsonSerializer.Deserialize<string[]>(metadata[OnnxMetadataKeys.FeatureNames]));
            Assert.Equal("true", metadata[OnnxMetadataKeys.Standardized]);
            Assert.Equal(model.Standardizer!.Mean.Value.ToArray(), JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.StandardizationMean]));
            Assert.Equal(model.Standardizer.InverseStd.Value.ToArray(), JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.StandardizationInverseStd]));
            Assert.False(metadata.ContainsKey(OnnxMetadataKeys.SamplingNoise));
            Assert.Equal(new[] { Exporter.FeaturesInput }, scorer.InputNames);
            Assert.Equal(new[] { Exporter.LogDensityOutput, Exporter.ComponentPosteriorOutput, Exporter.ComponentOutput }, scorer.OutputNames);
        }

        var options = new MixtureDensityFlowOnnxExportOptions
        {
            Mode = MixtureDensityFlowOnnxExportMode.Sampling,
            SamplingNoise = FlowSamplingNoiseSource.InGraph,
            SamplingTemperature = 0.001f,
            RandomSeed = 1234f,
        };
        using (var scorer = OnnxScorer.Load(Export(PerturbedFlows.Create(1, standardized: false), options)))
        {
            var metadata = scorer.Metadata;
            Assert.Equal("Sampling", metadata[OnnxMetadataKeys.ExportMode]);
            Assert.Equal("1", metadata[OnnxMetadataKeys.Components]);
            Assert.Equal("false", metadata[OnnxMetadataKeys.Standardized]);
            Assert.Equal("InGraph", metadata[OnnxMetadataKeys.SamplingNoise]);
            Assert.Equal("0.01", metadata[OnnxMetadataKeys.SamplingTemperature]); // raised to the floor, as the tape's sampler does
            Assert.Equal("true", metadata[OnnxMetadataKeys.SamplingStraightThrough]);
            Assert.Equal("1234", metadata[OnnxMetadataKeys.RandomSeed]);
            Assert.Equal(new[] { Exporter.SampleRowsInput }, scorer.InputNames);
            Assert.Equal(new[] { Exporter.SamplesOutput, Exporter.LogDensityOutput }, scorer.OutputNames);
        }

        // The uniforms and the normals come from differently seeded generators.
        var graph = new Exporter(options).BuildGraph(model);
        float Seed(string op) => Assert.Single(Assert.Single(graph.Graph.Node, node => node.OpType == op).Attribute, a => a.Name == "seed").F;
        Assert.Equal(1234f, Seed("RandomUniformLike"));
        Assert.Equal(1235f, Seed("RandomNormalLike"));

        // Nested sequences are listed layer by layer.
        var nested = new FlowSequence(new FlowSequence(new ActNormLayer("a", 3), PermutationLayer.Reverse(3)), new LuLinearLayer("l", 3, new RandomSource(1)));
        Assert.Equal(new[] { "ActNorm", "Permutation", "LuLinear" }, Exporter.LayerKinds(nested));
    }

    [Fact]
    public void Single_row_export_has_static_one_row_shapes_and_the_batched_scores()
    {
        var model = PerturbedFlows.Create(4, standardized: true);
        var options = new MixtureDensityFlowOnnxExportOptions { SingleRow = true };
        var graph = new Exporter(options).BuildGraph(model).Graph;
        int[] Dims(MLNetMixture.Training.Onnx.Proto.ValueInfoProto value) => value.Type.TensorType.Shape.Dim.Select(d => (int)d.DimValue).ToArray();
        Assert.Equal([1, model.Dimension], Dims(graph.Input.Single()));
        Assert.Equal([1], Dims(graph.Output.Single(o => o.Name == Exporter.LogDensityOutput)));
        Assert.Equal([model.Components], Dims(graph.Output.Single(o => o.Name == Exporter.ComponentPosteriorOutput)));
        Assert.Equal([1], Dims(graph.Output.Single(o => o.Name == Exporter.ComponentOutput)));

        const int rows = 40;
        var features = PerturbedFlows.Rows(rows, standardized: true, new RandomSource(3)).ToArray();
        var batched = Score(Export(model, new()), new() { [Exporter.FeaturesInput] = features }, rows);
        var single = Export(model, options);
        // ONNX Runtime directly, as ML.NET runs it: one row per run, ComponentPosterior without a batch axis.
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(single);
        Assert.Equal("true", session.ModelMetadata.CustomMetadataMap[OnnxMetadataKeys.SingleRow]);
        Assert.Equal("Density", session.ModelMetadata.CustomMetadataMap[OnnxMetadataKeys.ExportMode]);
        int d = model.Dimension, k = model.Components;
        for (int row = 0; row < rows; row++)
        {
            var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(features.AsMemory(row * d, d), [1, d]);
            using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(Exporter.FeaturesInput, input)]);
            var logDensity = results.Single(r => r.Name == Exporter.LogDensityOutput).AsTensor<float>();
            var posterior = results.Single(r => r.Name == Exporter.ComponentPosteriorOutput).AsTensor<float>();
            Assert.Equal([1], logDensity.Dimensions.ToArray());
            Assert.Equal([k], posterior.Dimensions.ToArray());
            float expected = batched[Exporter.LogDensityOutput].Floats![row];
            Assert.True(MathF.Abs(logDensity[0] - expected) <= Tolerance * MathF.Max(1f, MathF.Abs(expected)), $"row {row}: {logDensity[0]} vs {expected}");
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(batched[Exporter.ComponentPosteriorOutput].Floats![(row * k) + j], posterior[j], 4);
            }
        }

        // OnnxScorer sees the fixed one-row input, runs the graph a row at a time and stacks the rows.
        using (var scorer = OnnxScorer.Load(single, new OnnxScoringOptions { BatchSize = 1024, IntraOpThreads = 1 }))
        {
            Assert.True(scorer.SingleRow);
            Assert.Equal(new long[] { k }, scorer.OutputRowShape(Exporter.ComponentPosteriorOutput));
            var stacked = scorer.Score(new Dictionary<string, float[]> { [Exporter.FeaturesInput] = features }, rows);
            foreach (var (name, output) in batched)
            {
                Assert.Equal(output.Shape, stacked[name].Shape);
                if (output.Floats is { } expected)
                {
                    for (int i = 0; i < expected.Length; i++)
                    {
                        Assert.True(MathF.Abs(stacked[name].Floats![i] - expected[i]) <= Tolerance * MathF.Max(1f, MathF.Abs(expected[i])), $"{name}[{i}]: {stacked[name].Floats![i]} vs {expected[i]}");
                    }
                }
                else
                {
                    Assert.Equal(output.Int64s, stacked[name].Int64s);
                }
            }
        }

        using (var batchedScorer = OnnxScorer.Load(Export(model, new())))
        {
            Assert.False(batchedScorer.SingleRow);
        }

        string folder = Directory.CreateTempSubdirectory("flow-onnx-single-").FullName;
        try
        {
            string path = Path.Combine(folder, "single-row.onnx");
            File.WriteAllBytes(path, single);
            _output.WriteLine(OnnxChecker.AssertValid([path]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { SingleRow = true, Mode = MixtureDensityFlowOnnxExportMode.Sampling }));
    }

    [Fact]
    public void Mismatched_names_broken_standardizers_and_invalid_options_are_refused()
    {
        var model = PerturbedFlows.Create(4, standardized: true);
        var exporter = new Exporter();
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(model, FeatureNames.Take(4).ToArray()));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(model, ["a", "b", "c", "d", "a"]));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(model, ["a", "b", "c", "d", null!]));
        Assert.Throws<ArgumentNullException>(() => exporter.ToBytes(null!, FeatureNames));
        model.Standardizer!.InverseStd.Value.Span[1] = float.NaN;
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(model, FeatureNames));

        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { Opset = 16 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { Opset = 22 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { Mode = (MixtureDensityFlowOnnxExportMode)5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { SamplingNoise = (FlowSamplingNoiseSource)5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { SamplingTemperature = 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { SamplingTemperature = float.PositiveInfinity }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { SamplingTemperature = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { RandomSeed = -1f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { RandomSeed = 2.5f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { RandomSeed = 16_777_216f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new() { RandomSeed = float.NaN }));
        Assert.Throws<ArgumentException>(() => new Exporter(new() { ProducerName = " " }));
        _ = new Exporter(new() { RandomSeed = Exporter.MaximumRandomSeed });
    }

    /// <summary>One session scores 10,000 rows in one call and single rows; deterministic kinds agree row by row.</summary>
    private static void CheckDynamicBatch(string path, MixtureDensityFlow model, MixtureDensityFlowOnnxExportOptions options)
    {
        using var scorer = OnnxScorer.Load(path, new OnnxScoringOptions { BatchSize = Rows, IntraOpThreads = 1 });
        var inputs = Inputs(model, options, Rows, new RandomSource(9));
        var many = scorer.Score(inputs, Rows);
        bool sampling = options.Mode == MixtureDensityFlowOnnxExportMode.Sampling;
        string main = sampling ? Exporter.SamplesOutput : Exporter.ComponentPosteriorOutput;
        int width = sampling ? model.Dimension : model.Components;
        Assert.Equal(new long[] { Rows, width }, many[main].Shape);
        Assert.Equal(new long[] { Rows }, many[Exporter.LogDensityOutput].Shape);
        Assert.All(many[Exporter.LogDensityOutput].Floats!, v => Assert.True(float.IsFinite(v)));
        foreach (int row in new[] { 0, 4321, Rows - 1 })
        {
            var single = inputs.ToDictionary(pair => pair.Key, pair => pair.Value.AsSpan((pair.Value.Length / Rows) * row, pair.Value.Length / Rows).ToArray());
            var one = scorer.Score(single, 1);
            Assert.Equal(new long[] { 1, width }, one[main].Shape);
            Assert.Equal(new long[] { 1 }, one[Exporter.LogDensityOutput].Shape);
            if (options.SamplingNoise == FlowSamplingNoiseSource.InGraph && sampling)
            {
                continue;
            }

            // One row may take other matrix-product kernels than 10,000: rounding-level differences, amplified in sampling (see SamplingTolerance).
            float tolerance = sampling ? SamplingTolerance : Tolerance;
            float expected = many[Exporter.LogDensityOutput].Floats![row];
            float actual = one[Exporter.LogDensityOutput].Floats![0];
            Assert.True(MathF.Abs(actual - expected) <= tolerance * MathF.Max(1f, MathF.Abs(expected)), $"row {row}: N=1 gives {actual}, N=10000 gives {expected}");
            for (int j = 0; j < width; j++)
            {
                float e = many[main].Floats![(row * width) + j];
                float a = one[main].Floats![j];
                Assert.True(MathF.Abs(a - e) <= tolerance * MathF.Max(1f, MathF.Abs(e)), $"{main} row {row}, column {j}: N=1 gives {a}, N=10000 gives {e}");
            }
        }
    }

    private static Dictionary<string, float[]> Inputs(MixtureDensityFlow model, MixtureDensityFlowOnnxExportOptions options, int rows, RandomSource random)
    {
        if (options.Mode == MixtureDensityFlowOnnxExportMode.Density)
        {
            return new() { [Exporter.FeaturesInput] = PerturbedFlows.Rows(rows, model.Standardizer is not null, random).ToArray() };
        }

        if (options.SamplingNoise == FlowSamplingNoiseSource.InGraph)
        {
            return new() { [Exporter.SampleRowsInput] = new float[rows] };
        }

        var uniforms = new float[rows * model.Components];
        random.FillUniform(uniforms);
        var normals = new float[rows * model.Dimension];
        random.FillNormal(normals);
        return new() { [Exporter.ComponentUniformsInput] = uniforms, [Exporter.NormalsInput] = normals };
    }

    private static (Tensor LogDensity, Tensor Posterior) TapeDensity(MixtureDensityFlow model, Tensor data)
    {
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var (logDensity, posterior) = model.LogDensityAndPosterior(tape, tape.Constant(data));
        return (tape.Value(logDensity).Clone(), tape.Value(posterior).Clone());
    }

    private static (Tensor Samples, Tensor LogDensity) TapeSamples(MixtureDensityFlow model, Tensor uniforms, Tensor normals, float temperature, bool straightThrough)
    {
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var (samples, logDensity) = model.Sample(tape, tape.Constant(uniforms), tape.Constant(normals), temperature, straightThrough);
        return (tape.Value(samples).Clone(), tape.Value(logDensity).Clone());
    }

    private static byte[] Export(MixtureDensityFlow model, MixtureDensityFlowOnnxExportOptions options) =>
        new Exporter(options).ToBytes(model, FeatureNames);

    private static IReadOnlyDictionary<string, OnnxOutput> Score(byte[] model, Dictionary<string, float[]> inputs, int rows)
    {
        using var scorer = OnnxScorer.Load(model, new OnnxScoringOptions { BatchSize = 1024, IntraOpThreads = 1 });
        return scorer.Score(inputs, rows);
    }

    /// <summary>
    /// Asserts |actual - expected| &lt;= tolerance (times max(1, |expected|) when <paramref name="scaled"/>) everywhere,
    /// with every value finite; returns the largest (scaled) difference.
    /// </summary>
    private static float AssertClose(Tensor expected, float[] actual, float tolerance, bool scaled, string what) =>
        AssertClose(expected.ToArray(), actual, tolerance, tolerance, scaled, what).Max;

    /// <summary>
    /// Asserts every (scaled) difference is at most <paramref name="tolerance"/> and 99% of them at most
    /// <paramref name="bulkTolerance"/>, with every value finite; returns the 99th percentile and the largest difference.
    /// </summary>
    private static (float P99, float Max) AssertClose(float[] expected, float[] actual, float bulkTolerance, float tolerance, bool scaled, string what)
    {
        var differences = Differences(expected, actual, scaled, what);
        int worst = Array.IndexOf(differences, differences.Max());
        float p99 = Percentile(differences, 0.99);
        Assert.True(differences[worst] <= tolerance, $"{what}: element {worst} differs by {differences[worst]} (tape {expected[worst]}, onnx {actual[worst]})");
        Assert.True(p99 <= bulkTolerance, $"{what}: 1% of the elements differ by more than {bulkTolerance} (99th percentile {p99})");
        return (p99, differences[worst]);
    }

    /// <summary>|actual - expected|, divided by max(1, |expected|) when <paramref name="scaled"/>, after checking both are finite.</summary>
    private static float[] Differences(float[] expected, float[] actual, bool scaled, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differences = new float[expected.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]), $"{what}: the reference [{i}] is {expected[i]}");
            Assert.True(float.IsFinite(actual[i]), $"{what}[{i}] is {actual[i]}");
            differences[i] = MathF.Abs(actual[i] - expected[i]) / (scaled ? MathF.Max(1f, MathF.Abs(expected[i])) : 1f);
        }

        return differences;
    }

    private static float Percentile(float[] values, double share)
    {
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)(share * sorted.Length))];
    }

    /// <summary>The ONNX arg-max equals the tape's on every row but near ties (at most 0.1% of the rows); returns how many differed.</summary>
    private static int AssertSameArgMax(Tensor values, long[] onnxArgMax)
    {
        Assert.Equal(values.Rows, onnxArgMax.Length);
        int ties = 0;
        for (int r = 0; r < values.Rows; r++)
        {
            var row = values.RowSpan(r);
            int expected = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
            if (onnxArgMax[r] == expected)
            {
                continue;
            }

            Assert.InRange(onnxArgMax[r], 0, row.Length - 1);
            float margin = MathF.Abs(row[expected] - row[(int)onnxArgMax[r]]);
            Assert.True(margin <= TieMargin, $"row {r}: tape {expected}, onnx {onnxArgMax[r]}, margin {margin}");
            ties++;
        }

        Assert.True(ties <= values.Rows / 1000, $"{ties} arg-max rows differ, all near ties, but more than 0.1% of the rows");
        return ties;
    }

    private static float[] Column(Tensor values, int column) => Enumerable.Range(0, values.Rows).Select(r => values[r, column]).ToArray();

    private static double Variance(float[] values, double mean) => values.Average(v => (v - mean) * (v - mean));

    private static double FourthMoment(float[] values, double mean) => values.Average(v => Math.Pow(v - mean, 4));

    private static float StandardDeviation(float[] values) => (float)Math.Sqrt(Variance(values, values.Average()));
}
