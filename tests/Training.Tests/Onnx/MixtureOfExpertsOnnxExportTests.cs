using System.Globalization;
using System.Text.Json;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Transforms.Scoring;
using Exporter = MLNetMixture.Training.Onnx.MixtureOfExpertsOnnxExporter;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetMixture.Training.Tests.Onnx;

public sealed class MixtureOfExpertsOnnxExportTests : IClassFixture<TrainedMixtureOfExperts>
{
    /// <summary>|onnx - native| &lt;= Tolerance * max(1, |native|) for every probability.</summary>
    private const float Tolerance = 1e-4f;

    /// <summary>
    /// Two candidates whose native values differ by at most this much are a tie up to float32 rounding (probabilities
    /// lie in [0, 1], so a few ulps of 1): ONNX Runtime's kernels may round them the other way.
    /// </summary>
    private const float TieMargin = 2e-6f;

    /// <summary>ONNX operators with CPU and CUDA kernels in ONNX Runtime that an exported classifier may use.</summary>
    private static readonly HashSet<string> AllowedOperators =
    [
        "Abs", "Add", "ArgMax", "Cast", "Clip", "Div", "Equal", "Erf", "Exp", "Gemm", "Identity", "Less", "Log", "LogSoftmax",
        "MatMul", "Mul", "Neg", "RandomUniformLike", "ReduceMax", "ReduceSum", "Reshape", "Squeeze", "Sub",
        "Transpose", "Where",
    ];

    private readonly TrainedMixtureOfExperts _fixture;
    private readonly ITestOutputHelper _output;

    public MixtureOfExpertsOnnxExportTests(TrainedMixtureOfExperts fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void The_trained_fixture_has_a_decisive_non_trivial_gate()
    {
        var native = _fixture.Model.Predict(_fixture.Standardize(_fixture.ScoringFeatures), threads: 1);
        var gate = native.GateProbabilities;
        double meanMax = Enumerable.Range(0, gate.Rows).Average(r => TensorPrimitives.Max(gate.RowSpan(r)));
        var used = native.Experts.Distinct().Count();
        var accuracy = _fixture.Model.Predict(_fixture.Standardize(_fixture.TrainingFeatures), threads: 1).PredictedClasses
            .Where((c, i) => c == _fixture.TrainingLabels[i]).Count() / (double)_fixture.TrainingLabels.Length;
        _output.WriteLine($"mean max gate probability {meanMax:F3}, experts used {used}, training accuracy {accuracy:F3}");
        Assert.True(meanMax is > 0.45 and < 0.999, $"mean max gate probability {meanMax}");
        Assert.True(used >= 2, $"only {used} expert(s) win any row");
        Assert.True(accuracy > 0.8, $"training accuracy {accuracy}");
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    public void Soft_export_matches_native_prediction_on_10000_rows(int opset)
    {
        var model = Export(new MixtureOfExpertsOnnxExportOptions { Opset = opset });
        var raw = _fixture.ScoringFeatures;
        var onnx = Score(model, raw);
        var native = _fixture.Model.Predict(_fixture.Standardize(raw), threads: 1);

        AssertShapes(onnx, raw.Rows);
        float scoreDiff = AssertClose(native.Probabilities, onnx[Exporter.ScoreOutput].Floats!, "Score");
        float gateDiff = AssertClose(native.GateProbabilities, onnx[Exporter.GateProbabilitiesOutput].Floats!, "GateProbabilities");
        int labelTies = AssertSameArgMax(native.Probabilities, native.PredictedClasses, onnx[Exporter.PredictedLabelOutput].Int64s!, "PredictedLabel");
        int expertTies = AssertSameArgMax(native.GateProbabilities, native.Experts, onnx[Exporter.ExpertOutput].Int64s!, "Expert");
        _output.WriteLine($"opset {opset}: max scaled |diff| Score {scoreDiff:G3}, GateProbabilities {gateDiff:G3}; tie mismatches: label {labelTies}, expert {expertTies}");
    }

    [Theory]
    [InlineData(17)]
    [InlineData(20)]
    public void Hard_top1_export_matches_native_top1_routing(int opset)
    {
        var model = Export(new MixtureOfExpertsOnnxExportOptions { Opset = opset, GateMode = MixtureOfExpertsGateMode.HardTop1 });
        var raw = _fixture.ScoringFeatures;
        var onnx = Score(model, raw);
        var standardized = _fixture.Standardize(raw);
        var top1 = _fixture.Model.PredictTopK(standardized, 1, threads: 1);

        AssertShapes(onnx, raw.Rows);
        float scoreDiff = AssertClose(top1.Probabilities, onnx[Exporter.ScoreOutput].Floats!, "Score");
        float gateDiff = AssertClose(top1.GateProbabilities, onnx[Exporter.GateProbabilitiesOutput].Floats!, "GateProbabilities");
        int labelTies = AssertSameArgMax(top1.Probabilities, top1.PredictedClasses, onnx[Exporter.PredictedLabelOutput].Int64s!, "PredictedLabel");
        int expertTies = AssertSameArgMax(top1.GateProbabilities, top1.Experts, onnx[Exporter.ExpertOutput].Int64s!, "Expert");

        // Routing is not a no-op: the top-1 scores differ from the soft mixture's on a real share of the rows.
        var soft = _fixture.Model.Predict(standardized, threads: 1).Probabilities;
        var hard = onnx[Exporter.ScoreOutput].Floats!;
        int changed = Enumerable.Range(0, raw.Rows).Count(r => Enumerable.Range(0, TrainedMixtureOfExperts.Classes).Any(c => MathF.Abs(hard[(r * TrainedMixtureOfExperts.Classes) + c] - soft[r, c]) > 1e-2f));
        _output.WriteLine($"opset {opset}: max scaled |diff| Score {scoreDiff:G3}, GateProbabilities {gateDiff:G3}; tie mismatches: label {labelTies}, expert {expertTies}; rows where top-1 moves a probability by > 0.01: {changed}");
        Assert.True(changed > raw.Rows / 100, $"top-1 routing changed only {changed} rows");
    }

    [Theory]
    [InlineData(0.7f, 17)]
    [InlineData(2f, 19)]
    public void Gumbel_export_with_given_uniforms_reproduces_the_tape(float temperature, int opset)
    {
        var model = Export(new MixtureOfExpertsOnnxExportOptions { Opset = opset, GateMode = MixtureOfExpertsGateMode.GumbelSoftmax });
        var raw = _fixture.ScoringFeatures;
        int n = raw.Rows, k = TrainedMixtureOfExperts.Experts;

        // Uniforms inside [1e-6, 1 - 1e-6], where neither the training gate's clamp (1e-6) nor the shared one (2^-24) acts.
        var uniforms = new Tensor(n, k);
        new RandomSource(99).FillUniform(uniforms.Span, 1e-6f, 1f - 1e-6f);
        var onnx = Score(model, raw, temperature, uniforms.ToArray());
        AssertShapes(onnx, n);

        // The shared graph functions on a tape, with the temperature as a tape value (the exported computation) and
        // as a float (the sampler's own overload, which multiplies by 1/tau instead of dividing).
        var standardized = _fixture.Standardize(raw);
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var outputs = _fixture.Model.Forward(tape, tape.Constant(standardized));
        var u = tape.Constant(uniforms);
        var logSample = GumbelSoftmax.LogSample(tape, outputs.GateLogits, u, tape.Constant(Tensor.Scalar(temperature)));
        var sample = tape.Value(tape.Exp(logSample));
        var score = tape.Value(tape.Exp(MixtureOfExperts.MixtureLogProbabilities(tape, logSample, outputs.ExpertLogProbabilities)));
        var floatSample = tape.Value(GumbelSoftmax.Sample(tape, outputs.GateLogits, u, temperature));

        // The training objective's relaxed gate weights from the same uniforms and temperature.
        var training = new Tape(threads: 1) { RecordGradients = false };
        var terms = _fixture.Model.Loss(training, training.Constant(standardized), new int[n], new MixtureOfExpertsLossOptions { Objective = GateObjective.GumbelSoftmax }, uniforms, temperature: temperature);
        var trainingGate = training.Value(terms.GateWeights);

        var gate = onnx[Exporter.GateProbabilitiesOutput].Floats!;
        float scoreDiff = AssertClose(score, onnx[Exporter.ScoreOutput].Floats!, "Score vs tape");
        float sampleDiff = AssertClose(sample, gate, "GateProbabilities vs tape (tensor temperature)");
        float floatDiff = AssertClose(floatSample, gate, "GateProbabilities vs tape (float temperature)");
        float trainingDiff = AssertClose(trainingGate, gate, "GateProbabilities vs the training loss's gate weights");
        int expertTies = AssertSameArgMax(sample, ArgMaxRows(sample), onnx[Exporter.ExpertOutput].Int64s!, "Expert");
        int labelTies = AssertSameArgMax(score, ArgMaxRows(score), onnx[Exporter.PredictedLabelOutput].Int64s!, "PredictedLabel");
        _output.WriteLine($"tau {temperature}, opset {opset}: max scaled |diff| Score {scoreDiff:G3}, sample {sampleDiff:G3} (float-tau overload {floatDiff:G3}, training gate {trainingDiff:G3}); tie mismatches: expert {expertTies}, label {labelTies}");

        // The noise matters: the sampled experts are not simply the gate's arg-max.
        var argMaxGate = _fixture.Model.Predict(standardized, threads: 1).Experts;
        int resampled = Enumerable.Range(0, n).Count(r => onnx[Exporter.ExpertOutput].Int64s![r] != argMaxGate[r]);
        Assert.True(resampled > n / 20, $"only {resampled} rows sampled an expert other than the gate's arg-max");
    }

    [Fact]
    public void Gumbel_gate_approaches_hard_top1_routing_as_the_temperature_falls()
    {
        var gumbel = Export(new MixtureOfExpertsOnnxExportOptions { GateMode = MixtureOfExpertsGateMode.GumbelSoftmax });
        var hardModel = Export(new MixtureOfExpertsOnnxExportOptions { GateMode = MixtureOfExpertsGateMode.HardTop1 });
        var raw = _fixture.ScoringFeatures;
        int n = raw.Rows, c = TrainedMixtureOfExperts.Classes, k = TrainedMixtureOfExperts.Experts;
        var hard = Score(hardModel, raw);
        var hardScore = hard[Exporter.ScoreOutput].Floats!;
        var hardExpert = hard[Exporter.ExpertOutput].Int64s!;

        // Equal uniforms give every expert the same Gumbel noise, so the sample's arg-max is the gate's and only the
        // temperature decides how far the relaxed weights are from one-hot.
        var uniforms = Enumerable.Repeat(0.5f, n * k).ToArray();

        // Rows whose two largest gate logits are at least 0.2 apart: at tau = 0.01 the runner-up weighs < e^-20.
        var gateLog = _fixture.Model.Predict(_fixture.Standardize(raw), threads: 1).GateProbabilities;
        var decisive = Enumerable.Range(0, n).Where(r =>
        {
            var sorted = gateLog.RowSpan(r).ToArray().Select(v => MathF.Log(v)).OrderDescending().ToArray();
            return sorted[0] - sorted[1] >= 0.2f;
        }).ToArray();
        Assert.True(decisive.Length > n / 2, $"only {decisive.Length} decisive rows");

        float[] temperatures = [1f, 0.3f, 0.1f, 0.03f, 0.01f];
        var meanDiffs = new double[temperatures.Length];
        var maxOffWeight = new double[temperatures.Length];
        float decisiveMax = 0f;
        for (int t = 0; t < temperatures.Length; t++)
        {
            var result = Score(gumbel, raw, temperatures[t], uniforms);
            var score = result[Exporter.ScoreOutput].Floats!;
            var gate = result[Exporter.GateProbabilitiesOutput].Floats!;
            var expert = result[Exporter.ExpertOutput].Int64s!;
            meanDiffs[t] = Enumerable.Range(0, n * c).Average(i => Math.Abs(score[i] - hardScore[i]));
            maxOffWeight[t] = Enumerable.Range(0, n).Max(r => 1.0 - gate[(r * k) + (int)hardExpert[r]]);
            foreach (int r in Enumerable.Range(0, n).Where(r => expert[r] != hardExpert[r]))
            {
                // Only a tie of gate logits up to rounding may come out the other way once the noise is added.
                float margin = MathF.Abs(MathF.Log(gateLog[r, (int)expert[r]]) - MathF.Log(gateLog[r, (int)hardExpert[r]]));
                Assert.True(margin <= 1e-5f, $"tau {temperatures[t]}, row {r}: expert {expert[r]} instead of top-1's {hardExpert[r]} (gate log-probability margin {margin})");
            }
            if (t == temperatures.Length - 1)
            {
                decisiveMax = decisive.SelectMany(r => Enumerable.Range(r * c, c)).Max(i => MathF.Abs(score[i] - hardScore[i]));
            }
        }

        _output.WriteLine("tau: mean |Score - top-1 Score|, max off-expert weight: " + string.Join("; ", temperatures.Select((tau, t) => string.Create(CultureInfo.InvariantCulture, $"{tau}: {meanDiffs[t]:G3}, {maxOffWeight[t]:G3}"))));
        _output.WriteLine($"tau 0.01, decisive rows: max |Score - top-1 Score| {decisiveMax:G3}");
        for (int t = 1; t < temperatures.Length; t++)
        {
            Assert.True(meanDiffs[t] < meanDiffs[t - 1], $"mean |diff| did not fall from tau {temperatures[t - 1]} to {temperatures[t]}: {meanDiffs[t - 1]} -> {meanDiffs[t]}");
            Assert.True(maxOffWeight[t] <= maxOffWeight[t - 1], $"off-expert weight grew from tau {temperatures[t - 1]} to {temperatures[t]}");
        }

        Assert.True(decisiveMax <= Tolerance, $"at tau 0.01 decisive rows still differ from top-1 routing by {decisiveMax}");
        Assert.True(meanDiffs[^1] < 1e-3, $"at tau 0.01 the mean |diff| is {meanDiffs[^1]}");

        // Below the floor (0.01 by default) the graph uses the floor itself.
        var atFloor = Score(gumbel, raw, GumbelSoftmax.DefaultMinimumTemperature, uniforms)[Exporter.ScoreOutput].Floats!;
        var below = Score(gumbel, raw, 1e-5f, uniforms)[Exporter.ScoreOutput].Floats!;
        var negative = Score(gumbel, raw, -3f, uniforms)[Exporter.ScoreOutput].Floats!;
        Assert.Equal(atFloor, below);
        Assert.Equal(atFloor, negative);
    }

    [Fact]
    public void In_graph_gumbel_draws_sample_experts_with_the_gate_probabilities_and_replay_with_a_seed()
    {
        var model = Export(new MixtureOfExpertsOnnxExportOptions
        {
            Opset = 18,
            GateMode = MixtureOfExpertsGateMode.GumbelSoftmax,
            GumbelUniforms = GumbelUniformsSource.RandomUniform,
            RandomSeed = 1234f,
        });
        int k = TrainedMixtureOfExperts.Experts, d = TrainedMixtureOfExperts.Features;

        // A row whose gate is genuinely uncertain, repeated: the chosen experts must follow the gate probabilities
        // (the Gumbel-max trick, at any temperature).
        var native = _fixture.Model.Predict(_fixture.Standardize(_fixture.ScoringFeatures), threads: 1);
        int row = Enumerable.Range(0, native.Count).First(r =>
        {
            var gate = native.GateProbabilities.RowSpan(r);
            return TensorPrimitives.Max(gate) < 0.7f && gate.ToArray().Count(v => v > 0.15f) >= 2;
        });
        var p = native.GateProbabilities.RowSpan(row).ToArray();
        const int Copies = 20_000;
        var raw = new Tensor(Copies, d);
        for (int i = 0; i < Copies; i++)
        {
            _fixture.ScoringFeatures.RowSpan(row).CopyTo(raw.RowSpan(i));
        }

        var inputs = new Dictionary<string, float[]> { [Exporter.FeaturesInput] = raw.ToArray(), [Exporter.TemperatureInput] = [0.5f] };
        using var scorer = OnnxScorer.Load(model, new OnnxScoringOptions { BatchSize = 4096, IntraOpThreads = 1 });
        Assert.Equal(new[] { Exporter.FeaturesInput, Exporter.TemperatureInput }, scorer.InputNames);
        var first = scorer.Score(inputs, Copies);
        var experts = first[Exporter.ExpertOutput].Int64s!;
        var counts = new int[k];
        foreach (long e in experts)
        {
            counts[e]++;
        }

        var report = string.Join(", ", Enumerable.Range(0, k).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e}: {counts[e] / (double)Copies:F4} vs {p[e]:F4}")));
        _output.WriteLine($"row {row}, chosen-expert frequency vs gate probability: {report}");
        for (int e = 0; e < k; e++)
        {
            double sigma = Math.Sqrt(p[e] * (1 - p[e]) / Copies);
            Assert.True(Math.Abs((counts[e] / (double)Copies) - p[e]) <= (5 * sigma) + 1e-4, $"expert {e}: frequency {counts[e] / (double)Copies} vs probability {p[e]} ({report})");
        }

        // The draws are fresh on every run; a new session with the same seed replays them.
        var second = scorer.Score(inputs, Copies);
        Assert.NotEqual(first[Exporter.GateProbabilitiesOutput].Floats!, second[Exporter.GateProbabilitiesOutput].Floats!);
        using var replay = OnnxScorer.Load(model, new OnnxScoringOptions { BatchSize = 4096, IntraOpThreads = 1 });
        var replayed = replay.Score(inputs, Copies);
        Assert.Equal(first[Exporter.GateProbabilitiesOutput].Floats!, replayed[Exporter.GateProbabilitiesOutput].Floats!);
        Assert.Equal(experts, replayed[Exporter.ExpertOutput].Int64s!);
        Assert.Equal("RandomUniform", scorer.Metadata[OnnxMetadataKeys.GumbelUniforms]);
        Assert.Equal("1234", scorer.Metadata[OnnxMetadataKeys.RandomSeed]);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void Every_exported_model_kind_passes_the_independent_checker_and_runs(int opset)
    {
        var kinds = new (string Name, MixtureOfExpertsOnnxExportOptions Options, bool Standardized)[]
        {
            ("soft", new() { Opset = opset }, true),
            ("soft-raw", new() { Opset = opset }, false),
            ("hard-top1", new() { Opset = opset, GateMode = MixtureOfExpertsGateMode.HardTop1 }, true),
            ("gumbel-input", new() { Opset = opset, GateMode = MixtureOfExpertsGateMode.GumbelSoftmax }, true),
            ("gumbel-random", new() { Opset = opset, GateMode = MixtureOfExpertsGateMode.GumbelSoftmax, GumbelUniforms = GumbelUniformsSource.RandomUniform, RandomSeed = 5f }, true),
        };
        string folder = Directory.CreateTempSubdirectory("moe-onnx-").FullName;
        try
        {
            var paths = new List<string>();
            foreach (var (name, options, standardized) in kinds)
            {
                var exporter = new Exporter(options);
                var standardizer = standardized ? _fixture.Standardizer : null;
                var graph = exporter.BuildGraph(standardizer, _fixture.Model);
                var used = graph.Graph.Node.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
                Assert.Empty(used.Except(AllowedOperators));
                Assert.All(graph.Graph.Node, n => Assert.Equal(string.Empty, n.Domain));

                string path = Path.Combine(folder, $"{name}-{opset}.onnx");
                exporter.WriteFile(standardizer, _fixture.Model, TrainedMixtureOfExperts.ClassLabels, TrainedMixtureOfExperts.FeatureNames, path);
                paths.Add(path);

                using var scorer = OnnxScorer.Load(path);
                var rows = _fixture.ScoringFeatures.ToArray().AsSpan(0, 3 * TrainedMixtureOfExperts.Features).ToArray();
                var inputs = new Dictionary<string, float[]> { [Exporter.FeaturesInput] = rows };
                if (options.GateMode == MixtureOfExpertsGateMode.GumbelSoftmax)
                {
                    inputs[Exporter.TemperatureInput] = [0.5f];
                    if (options.GumbelUniforms == GumbelUniformsSource.GraphInput)
                    {
                        inputs[Exporter.GateUniformsInput] = Enumerable.Range(0, 3 * TrainedMixtureOfExperts.Experts).Select(i => (i + 0.5f) / 12f).ToArray();
                    }
                }

                var result = scorer.Score(inputs, 3);
                AssertShapes(result, 3);
                Assert.All(result[Exporter.ScoreOutput].Floats!, v => Assert.True(v is >= 0f and <= 1f));
            }

            string report = OnnxChecker.AssertValid([.. paths]);
            _output.WriteLine(report);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void One_model_file_scores_one_row_and_10000_rows_and_carries_its_metadata()
    {
        string folder = Directory.CreateTempSubdirectory("moe-onnx-").FullName;
        try
        {
            string path = Path.Combine(folder, "moe.onnx");
            new Exporter(new MixtureOfExpertsOnnxExportOptions { ProducerName = "export-tests" })
                .WriteFile(_fixture.Standardizer, _fixture.Model, TrainedMixtureOfExperts.ClassLabels, TrainedMixtureOfExperts.FeatureNames, path);

            // One session, batch limit above N so that both runs are single calls with N = 1 and N = 10000.
            using var scorer = OnnxScorer.Load(path, new OnnxScoringOptions { BatchSize = 10_000 });
            var all = _fixture.ScoringFeatures.ToArray();
            int d = TrainedMixtureOfExperts.Features, c = TrainedMixtureOfExperts.Classes;
            var many = scorer.Score(all, TrainedMixtureOfExperts.ScoringRows);
            AssertShapes(many, TrainedMixtureOfExperts.ScoringRows);
            foreach (int row in new[] { 0, 4321, TrainedMixtureOfExperts.ScoringRows - 1 })
            {
                var one = scorer.Score(all.AsSpan(row * d, d).ToArray(), 1);
                AssertShapes(one, 1);
                for (int j = 0; j < c; j++)
                {
                    float expected = many[Exporter.ScoreOutput].Floats![(row * c) + j];
                    Assert.True(MathF.Abs(one[Exporter.ScoreOutput].Floats![j] - expected) <= 1e-6f, $"row {row} class {j}: N=1 gives {one[Exporter.ScoreOutput].Floats![j]}, N=10000 gives {expected}");
                }

                Assert.Equal(many[Exporter.PredictedLabelOutput].Int64s![row], one[Exporter.PredictedLabelOutput].Int64s![0]);
                Assert.Equal(many[Exporter.ExpertOutput].Int64s![row], one[Exporter.ExpertOutput].Int64s![0]);
            }

            var metadata = scorer.Metadata;
            Assert.Equal("export-tests", metadata[OnnxMetadataKeys.Producer]);
            Assert.False(string.IsNullOrEmpty(metadata[OnnxMetadataKeys.LibraryVersion]));
            Assert.Equal(Exporter.ModelKind, metadata[OnnxMetadataKeys.ModelKind]);
            Assert.Equal("Soft", metadata[OnnxMetadataKeys.GateMode]);
            Assert.Equal("4", metadata[OnnxMetadataKeys.Experts]);
            Assert.Equal("true", metadata[OnnxMetadataKeys.Standardized]);
            Assert.Equal(TrainedMixtureOfExperts.FeatureNames, JsonSerializer.Deserialize<string[]>(metadata[OnnxMetadataKeys.FeatureNames]));
            Assert.Equal(TrainedMixtureOfExperts.ClassLabels, JsonSerializer.Deserialize<string[]>(metadata[OnnxMetadataKeys.ClassLabels]));
            Assert.Equal(_fixture.Standardizer.Mean.Value.ToArray(), JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.StandardizationMean]));
            Assert.Equal(_fixture.Standardizer.InverseStd.Value.ToArray(), JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.StandardizationInverseStd]));
            Assert.False(metadata.ContainsKey(OnnxMetadataKeys.GumbelUniforms));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_a_standardizer_the_graph_takes_features_as_they_are()
    {
        var model = new Exporter().ToBytes(null, _fixture.Model, TrainedMixtureOfExperts.ClassLabels, TrainedMixtureOfExperts.FeatureNames);
        var standardized = _fixture.Standardize(_fixture.ScoringFeatures);
        var onnx = Score(model, standardized);
        AssertClose(_fixture.Model.Predict(standardized, threads: 1).Probabilities, onnx[Exporter.ScoreOutput].Floats!, "Score");
        using var scorer = OnnxScorer.Load(model);
        Assert.Equal("false", scorer.Metadata[OnnxMetadataKeys.Standardized]);
        Assert.False(scorer.Metadata.ContainsKey(OnnxMetadataKeys.StandardizationMean));
    }

    [Fact]
    public void Mismatched_names_standardizers_and_options_are_refused()
    {
        var exporter = new Exporter();
        var model = _fixture.Model;
        var labels = TrainedMixtureOfExperts.ClassLabels;
        var features = TrainedMixtureOfExperts.FeatureNames;
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(null, model, ["a", "b"], features));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(null, model, labels, features.Take(4).ToArray()));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(null, model, ["a", "b", "a"], features));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(null, model, labels, ["f", "g", "h", "i", null!]));
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(new Standardizer("s", 4), model, labels, features));
        var broken = new Standardizer("s", TrainedMixtureOfExperts.Features);
        broken.InverseStd.Value.Span[2] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => exporter.ToBytes(broken, model, labels, features));
        Assert.Throws<ArgumentNullException>(() => exporter.ToBytes(null, null!, labels, features));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new MixtureOfExpertsOnnxExportOptions { Opset = 16 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new MixtureOfExpertsOnnxExportOptions { Opset = 22 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new MixtureOfExpertsOnnxExportOptions { MinimumTemperature = 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new MixtureOfExpertsOnnxExportOptions { GateMode = (MixtureOfExpertsGateMode)7 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Exporter(new MixtureOfExpertsOnnxExportOptions { RandomSeed = float.NaN }));
    }

    private static int[] ArgMaxRows(Tensor values) =>
        Enumerable.Range(0, values.Rows).Select(r => TensorPrimitives.IndexOfMax(values.RowSpan(r))).ToArray();

    private static void AssertShapes(IReadOnlyDictionary<string, OnnxOutput> result, int rows)
    {
        Assert.Equal(new long[] { rows, TrainedMixtureOfExperts.Classes }, result[Exporter.ScoreOutput].Shape);
        Assert.Equal(new long[] { rows }, result[Exporter.PredictedLabelOutput].Shape);
        Assert.Equal(new long[] { rows, TrainedMixtureOfExperts.Experts }, result[Exporter.GateProbabilitiesOutput].Shape);
        Assert.Equal(new long[] { rows }, result[Exporter.ExpertOutput].Shape);
        Assert.NotNull(result[Exporter.PredictedLabelOutput].Int64s);
        Assert.NotNull(result[Exporter.ExpertOutput].Int64s);
    }

    /// <summary>Asserts |actual - expected| &lt;= Tolerance * max(1, |expected|) everywhere; returns the largest scaled difference.</summary>
    private static float AssertClose(Tensor expected, float[] actual, string what)
    {
        var e = expected.Span;
        Assert.Equal(e.Length, actual.Length);
        float worst = 0f;
        int worstIndex = -1;
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}[{i}] is {actual[i]}");
            float scaled = MathF.Abs(actual[i] - e[i]) / MathF.Max(1f, MathF.Abs(e[i]));
            if (scaled > worst)
            {
                worst = scaled;
                worstIndex = i;
            }
        }

        Assert.True(worst <= Tolerance, $"{what}: element {worstIndex} differs by {worst} (native {(worstIndex >= 0 ? e[worstIndex] : 0f)}, onnx {(worstIndex >= 0 ? actual[worstIndex] : 0f)})");
        return worst;
    }

    /// <summary>
    /// Asserts the ONNX arg-max equals the native one on every row, except where the native values of the two
    /// candidates are within <see cref="TieMargin"/> (a tie up to rounding); returns how many such rows differed.
    /// </summary>
    private static int AssertSameArgMax(Tensor nativeValues, IReadOnlyList<int> nativeArgMax, long[] onnxArgMax, string what)
    {
        Assert.Equal(nativeArgMax.Count, onnxArgMax.Length);
        int ties = 0;
        for (int r = 0; r < onnxArgMax.Length; r++)
        {
            if (onnxArgMax[r] == nativeArgMax[r])
            {
                continue;
            }

            Assert.InRange(onnxArgMax[r], 0, nativeValues.RowLength - 1);
            var row = nativeValues.RowSpan(r);
            float margin = MathF.Abs(row[nativeArgMax[r]] - row[(int)onnxArgMax[r]]);
            Assert.True(margin <= TieMargin, $"{what} row {r}: native {nativeArgMax[r]}, onnx {onnxArgMax[r]}, native margin {margin}");
            ties++;
        }

        Assert.True(ties <= onnxArgMax.Length / 1000, $"{what}: {ties} rows differ, all near ties, but more than 0.1% of the rows");
        return ties;
    }

    private byte[] Export(MixtureOfExpertsOnnxExportOptions options) =>
        new Exporter(options).ToBytes(_fixture.Standardizer, _fixture.Model, TrainedMixtureOfExperts.ClassLabels, TrainedMixtureOfExperts.FeatureNames);

    private static IReadOnlyDictionary<string, OnnxOutput> Score(byte[] model, Tensor raw, float? temperature = null, float[]? uniforms = null)
    {
        using var scorer = OnnxScorer.Load(model, new OnnxScoringOptions { BatchSize = 1024, IntraOpThreads = 1 });
        var inputs = new Dictionary<string, float[]> { [Exporter.FeaturesInput] = raw.ToArray() };
        if (temperature is { } tau)
        {
            inputs[Exporter.TemperatureInput] = [tau];
        }

        if (uniforms is not null)
        {
            inputs[Exporter.GateUniformsInput] = uniforms;
        }

        return scorer.Score(inputs, raw.Rows);
    }
}
