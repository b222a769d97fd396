using System.IO.Compression;
using System.Text.Json.Nodes;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Persistence;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class MixtureDensityFlowModelTests : IClassFixture<SmallFittedFlow>, IDisposable
{
    private readonly SmallFittedFlow _fitted;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlmix-flow-").FullName;

    public MixtureDensityFlowModelTests(SmallFittedFlow fitted)
    {
        _fitted = fitted;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Saved_and_loaded_models_give_bit_identical_log_densities_posteriors_and_samples()
    {
        string path = Path.Combine(_dir, "flow.mlmix");
        var model = _fitted.Model;
        model.Save(path);
        var loaded = MixtureDensityFlowModel.Load(path);

        Assert.Null(loaded.Training);
        Assert.Equal(model.FeatureNames, loaded.FeatureNames);
        Assert.Equal(Bits(model.LogDensity(_fitted.Validation)), Bits(loaded.LogDensity(_fitted.Validation)));
        Assert.Equal(Bits(model.StandardizedLogDensity(_fitted.Validation)), Bits(loaded.StandardizedLogDensity(_fitted.Validation)));
        Assert.Equal(model.ComponentPosterior(_fitted.Validation), loaded.ComponentPosterior(_fitted.Validation));
        Assert.Equal(model.Sample(50, seed: 4).Features, loaded.Sample(50, seed: 4).Features);
        Assert.Equal(model.Model.Parameters.Count, ModelFile.Load(path, MixtureDensityFlowModel.ModelKind).Tensors.Count);
    }

    [Theory]
    [InlineData(FlowType.AffineCoupling, FlowPermutationKind.Random, true, true, 3)]
    [InlineData(FlowType.SplineCoupling, FlowPermutationKind.Random, true, false, 1)]
    [InlineData(FlowType.MaskedAutoregressive, FlowPermutationKind.Reverse, false, true, 2)]
    [InlineData(FlowType.SinhArcsinhCoupling, FlowPermutationKind.Reverse, true, false, 2)]
    [InlineData(FlowType.SinhArcsinhAutoregressive, FlowPermutationKind.Random, false, true, 1)]
    public void Every_architecture_round_trips_through_a_stream(FlowType type, FlowPermutationKind permutation, bool lu, bool actNorm, int components)
    {
        var data = FlowTestData.EightGaussians(300, seed: 5);
        var three = new FeatureTable(
            Enumerable.Range(0, 300).SelectMany(i => new[] { data.Features[2 * i], data.Features[(2 * i) + 1], data.Features[2 * i] * data.Features[(2 * i) + 1] }).ToArray(),
            300,
            ["a", "b", "c"]);
        var options = new MixtureDensityFlowOptions
        {
            Architecture = { FlowType = type, Layers = 3, HiddenSizes = [8], Permutation = permutation, LuLinear = lu, ActNorm = actNorm, Components = components },
            Optimization = { Epochs = 1 },
            Threads = 1,
        };
        var model = MixtureDensityFlowModel.Fit(three, options, cancellationToken: TestContext.Current.CancellationToken);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = MixtureDensityFlowModel.Load(stream);

        Assert.Equal(model.Architecture.Permutations!.SelectMany(p => p), loaded.Architecture.Permutations!.SelectMany(p => p));
        Assert.Equal(Bits(model.LogDensity(three)), Bits(loaded.LogDensity(three)));
        var (samples, logDensity) = loaded.SampleWithLogDensity(200, seed: 9);
        var rescored = loaded.LogDensity(samples);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(rescored[i], logDensity[i], 2);
        }
    }

    [Theory]
    [InlineData(1, FlowType.MaskedAutoregressive)]
    [InlineData(2, FlowType.SplineCoupling)]
    [InlineData(MixtureDensityFlowArchitecture.SplineCouplingMaximumDimension, FlowType.SplineCoupling)]
    [InlineData(MixtureDensityFlowArchitecture.SplineCouplingMaximumDimension + 1, FlowType.MaskedAutoregressive)]
    [InlineData(43, FlowType.MaskedAutoregressive)]
    public void The_default_flow_type_is_chosen_from_the_number_of_features_and_saved_as_chosen(int dimension, FlowType expected)
    {
        var defaults = new MixtureDensityFlowOptions();
        Assert.Equal(FlowType.Automatic, defaults.Architecture.FlowType);
        Assert.Equal(expected, defaults.Architecture.FlowTypeFor(dimension));
        Assert.Equal(FlowType.AffineCoupling, (defaults.Architecture with { FlowType = FlowType.AffineCoupling }).FlowTypeFor(dimension));

        var random = new Random(dimension);
        var table = new FeatureTable(
            Enumerable.Range(0, 120 * dimension).Select(_ => (float)random.NextDouble()).ToArray(),
            120,
            [.. Enumerable.Range(0, dimension).Select(j => $"x{j}")]);
        var options = new MixtureDensityFlowOptions { Architecture = { Layers = 1, HiddenSizes = [4] }, Optimization = { Epochs = 1 }, Threads = 1 };
        var model = MixtureDensityFlowModel.Fit(table, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(expected, model.Architecture.FlowType);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        Assert.Equal(expected, MixtureDensityFlowModel.Load(stream).Architecture.FlowType);
    }

    [Fact]
    public void Transform_appends_log_density_and_one_posterior_column_per_component()
    {
        var labelled = new FeatureTable(_fitted.Validation.Features, _fitted.Validation.Rows, _fitted.Validation.FeatureNames, Enumerable.Range(0, _fitted.Validation.Rows).Select(i => $"r{i}").ToArray());
        var result = _fitted.Model.Transform(labelled);

        Assert.Equal(["x", "y", "LogDensity", .. Enumerable.Range(0, 8).Select(k => $"ComponentPosterior.{k}")], result.FeatureNames);
        Assert.Equal(labelled.Labels, result.Labels);
        var logDensity = _fitted.Model.LogDensity(labelled);
        for (int r = 0; r < result.Rows; r++)
        {
            var row = result.Row(r);
            Assert.Equal(labelled.Row(r).ToArray(), row[..2].ToArray());
            Assert.Equal(logDensity[r], row[2]);
            Assert.Equal(1.0, row[3..].ToArray().Sum(), 4);
        }
    }

    [Fact]
    public void Component_posteriors_have_one_row_per_input_summing_to_one_and_spread_over_the_modes()
    {
        var posterior = _fitted.Model.ComponentPosterior(_fitted.Validation);

        Assert.Equal(_fitted.Validation.Rows, posterior.GetLength(0));
        Assert.Equal(8, posterior.GetLength(1));
        var used = new HashSet<int>();
        for (int r = 0; r < posterior.GetLength(0); r++)
        {
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 8; k++)
            {
                Assert.InRange(posterior[r, k], 0f, 1f);
                sum += posterior[r, k];
                best = posterior[r, k] > posterior[r, best] ? k : best;
            }

            Assert.Equal(1.0, sum, 4);
            used.Add(best);
        }

        Assert.True(used.Count >= 4, $"only {used.Count} components are ever the most likely");
    }

    [Fact]
    public void Samples_have_the_model_shape_and_the_data_mean()
    {
        var samples = _fitted.Model.Sample(4000, seed: 8);

        Assert.Equal(4000, samples.Rows);
        Assert.Equal(["x", "y"], samples.FeatureNames);
        for (int j = 0; j < 2; j++)
        {
            double sampleMean = Enumerable.Range(0, samples.Rows).Average(i => samples.Features[(2 * i) + j]);
            double dataMean = Enumerable.Range(0, _fitted.Train.Rows).Average(i => _fitted.Train.Features[(2 * i) + j]);
            Assert.True(Math.Abs(sampleMean - dataMean) < 0.25, $"feature {j}: samples {sampleMean:F3}, data {dataMean:F3}");
        }

        Assert.Equal(samples.Features, _fitted.Model.Sample(4000, seed: 8).Features);
        Assert.NotEqual(samples.Features, _fitted.Model.Sample(4000, seed: 9).Features);
    }

    [Fact]
    public void Entropy_is_finite_with_a_small_standard_error_near_the_cross_entropy_of_the_data()
    {
        var entropy = _fitted.Model.Entropy(samples: 4000, seed: 2);
        double crossEntropy = -_fitted.Model.LogDensity(_fitted.Validation).Average();

        Assert.Equal(4000, entropy.Samples);
        Assert.True(double.IsFinite(entropy.Nats));
        Assert.InRange(entropy.StandardError, 1e-4, 0.1);
        Assert.True(Math.Abs(entropy.Nats - crossEntropy) < 0.5, $"entropy {entropy.Nats:F3}, cross-entropy {crossEntropy:F3}");
    }

    [Fact]
    public void The_fitted_density_integrates_to_one_over_the_data_plane()
    {
        // Data units: the modes lie on a circle of radius 2.83 around (3, -2); the grid covers ±10 around it.
        const int n = 401;
        double lo = -10, step = 20.0 / (n - 1);
        var grid = new float[n * n * 2];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                grid[2 * ((i * n) + j)] = (float)(3 + lo + (i * step));
                grid[(2 * ((i * n) + j)) + 1] = (float)(-2 + lo + (j * step));
            }
        }

        double mass = _fitted.Model.LogDensity(grid).Sum(v => Math.Exp(v)) * step * step;

        Assert.InRange(mass, 0.99, 1.01);
    }

    [Fact]
    public void Standardized_log_density_differs_from_the_data_log_density_by_the_standardiser_jacobian()
    {
        var data = _fitted.Model.LogDensity(_fitted.Validation);
        var standardized = _fitted.Model.StandardizedLogDensity(_fitted.Validation);
        double jacobian = _fitted.Model.Model.Standardizer!.LogAbsDetJacobian;
        for (int i = 0; i < data.Length; i++)
        {
            Assert.Equal(standardized[i] + jacobian, data[i], 3);
        }
    }

    [Fact]
    public void Scoring_a_table_with_the_wrong_number_of_features_says_expected_and_found()
    {
        var wrong = new FeatureTable(new float[30], 10, ["a", "b", "c"], null, "score.csv");
        var e = Assert.Throws<ArgumentException>(() => _fitted.Model.LogDensity(wrong));
        Assert.Contains("score.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("has 3 feature columns", e.Message, StringComparison.Ordinal);
        Assert.Contains("expects 2", e.Message, StringComparison.Ordinal);

        var e2 = Assert.Throws<ArgumentException>(() => _fitted.Model.LogDensity(new float[5]));
        Assert.Contains("2 features", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_with_nan_score_nan_without_disturbing_the_others()
    {
        var values = (float[])_fitted.Validation.Features.Clone();
        values[7] = float.NaN;
        var scores = _fitted.Model.LogDensity(new FeatureTable(values, _fitted.Validation.Rows, ["x", "y"]));
        var clean = _fitted.Model.LogDensity(_fitted.Validation);

        Assert.True(float.IsNaN(scores[3]));
        Assert.Equal(clean.Where((_, i) => i != 3), scores.Where((_, i) => i != 3));
    }

    [Fact]
    public void Loading_a_newer_corrupt_or_foreign_file_fails_clearly()
    {
        string path = Path.Combine(_dir, "edit.mlmix");
        _fitted.Model.Save(path);
        RewriteHeader(path, h => h["formatVersion"] = ModelFile.CurrentFormatVersion + 1);
        var newer = Assert.Throws<ModelFileException>(() => MixtureDensityFlowModel.Load(path));
        Assert.Contains("Upgrade MLNetMixture", newer.Message, StringComparison.Ordinal);

        _fitted.Model.Save(path);
        RewriteHeader(path, h => h["configuration"]!["architecture"]!["flowType"] = "Glow");
        var unknown = Assert.Throws<ModelFileException>(() => MixtureDensityFlowModel.Load(path));
        Assert.Contains("architecture.flowType = \"Glow\"", unknown.Message, StringComparison.Ordinal);

        _fitted.Model.Save(path);
        RewriteHeader(path, h => h["configuration"]!["architecture"]!["layers"] = 3);
        var mismatch = Assert.Throws<ModelFileException>(() => MixtureDensityFlowModel.Load(path));
        Assert.Contains("corrupt", mismatch.Message, StringComparison.Ordinal);

        _fitted.Model.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        var truncated = Assert.Throws<ModelFileException>(() => MixtureDensityFlowModel.Load(path));
        Assert.Contains(path, truncated.Message, StringComparison.Ordinal);

        ModelFile.Save(path, "MixtureOfExperts", [], [new ModelFileTensor("gate.weight", [1], [1f])]);
        var foreign = Assert.Throws<ModelFileException>(() => MixtureDensityFlowModel.Load(path));
        Assert.Contains("not a MixtureDensityFlow", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thread_count_does_not_change_scores_or_samples()
    {
        var rows = FlowTestData.EightGaussians(9000, seed: 3, shiftX: 3f, shiftY: -2f);
        var model = MixtureDensityFlowModel.Load(SaveCopy());
        model.Threads = 1;
        var one = model.LogDensity(rows);
        var sampleOne = model.Sample(5000, seed: 1).Features;
        model.Threads = 3;
        Assert.Equal(Bits(one), Bits(model.LogDensity(rows)));
        Assert.Equal(sampleOne, model.Sample(5000, seed: 1).Features);
    }

    private string SaveCopy()
    {
        string path = Path.Combine(_dir, "copy.mlmix");
        _fitted.Model.Save(path);
        return path;
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static void RewriteHeader(string path, Action<JsonObject> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("header.json")!;
        JsonObject header;
        using (var s = entry.Open())
        {
            header = (JsonObject)JsonNode.Parse(s)!;
        }

        edit(header);
        entry.Delete();
        using var ws = zip.CreateEntry("header.json").Open();
        using var writer = new System.Text.Json.Utf8JsonWriter(ws);
        header.WriteTo(writer);
    }
}
