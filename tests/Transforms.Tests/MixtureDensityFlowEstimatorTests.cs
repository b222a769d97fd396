using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Datasets;
using MLNetMixture.Training.Flows;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests;

/// <summary>A 2D mixture-density flow fitted in an ML.NET pipeline (8gaussians), shared by the tests.</summary>
public sealed class FittedFlow
{
    public FittedFlow()
    {
        Context = new MLContext(seed: 1);
        Train = Points(2000, seed: 1);
        Test = Points(1000, seed: 2);
        Pipeline = Context.Transforms.Concatenate("Features", "x", "y")
            .Append(Context.Transforms.MixtureDensityFlow(EstimatorSettings()));
        Model = Pipeline.Fit(Context.Data.LoadFromEnumerable(Train));
        Ours = MixtureDensityFlowModel.Fit(new FeatureTableRowSource(Table(Train)), Settings()); // the estimator streams the data view the same way
    }

    public MLContext Context { get; }

    public IReadOnlyList<Point> Train { get; }

    public IReadOnlyList<Point> Test { get; }

    public IEstimator<ITransformer> Pipeline { get; }

    public ITransformer Model { get; }

    public MixtureDensityFlowTransformer Flow => ((IEnumerable<ITransformer>)Model).OfType<MixtureDensityFlowTransformer>().Single();

    /// <summary>The same flow trained through our own API.</summary>
    public MixtureDensityFlowModel Ours { get; }

    public static MixtureDensityFlowOptions Settings() => new()
    {
        Architecture = { FlowType = FlowType.SplineCoupling, Layers = 2, HiddenSizes = [16], SplineBins = 6, Components = 8 },
        Optimization = { Epochs = 10, BatchSize = 128, LearningRate = 3e-3f },
        Threads = 1,
        Seed = 7,
    };

    /// <summary>The same settings as <see cref="Settings"/>, as the estimator's flat options.</summary>
    public static MixtureDensityFlowEstimator.Options EstimatorSettings() => new()
    {
        FlowType = FlowType.SplineCoupling,
        Layers = 2,
        HiddenSizes = [16],
        SplineBins = 6,
        Components = 8,
        Epochs = 10,
        BatchSize = 128,
        LearningRate = 3e-3f,
        Threads = 1,
        Seed = 7,
        ScoringBatchSize = 300,
    };

    public static FeatureTable Table(IReadOnlyList<Point> points) =>
        new(points.SelectMany(p => new[] { p.X, p.Y }).ToArray(), points.Count, ["x", "y"]);

    private static Point[] Points(int count, ulong seed)
    {
        var values = ToyDensities2D.Sample(ToyDensity2D.EightGaussians, count, seed);
        return Enumerable.Range(0, count).Select(i => new Point { X = values[2 * i], Y = values[(2 * i) + 1] }).ToArray();
    }

    public sealed class Point
    {
        [ColumnName("x")]
        public float X { get; set; }

        [ColumnName("y")]
        public float Y { get; set; }
    }
}

public sealed class MixtureDensityFlowEstimatorTests(FittedFlow flow) : IClassFixture<FittedFlow>
{
    [Fact]
    public void Pipeline_adds_log_density_and_posterior_equal_to_the_same_flow_trained_through_our_api()
    {
        var scored = flow.Model.Transform(flow.Context.Data.LoadFromEnumerable(flow.Test));
        Assert.Equal(NumberDataViewType.Single, scored.Schema["LogDensity"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 8), scored.Schema["ComponentPosterior"].Type);

        var logDensity = ColumnReader.Scalars<float>(scored, "LogDensity");
        var posterior = ColumnReader.Vectors(scored, "ComponentPosterior");
        var ours = flow.Ours.LogDensity(FittedFlow.Table(flow.Test));
        double mean = logDensity.Average(v => (double)v), oursMean = ours.Average(v => (double)v);
        Console.WriteLine($"8gaussians, 1,000 test rows: mean log-likelihood through ML.NET {mean:F4} nats, through our API {oursMean:F4}, of a fitted Gaussian {GaussianLogLikelihood():F4}");
        Assert.InRange(ColumnReader.MaxAbsDifference([logDensity], [ours]), 0f, 1e-4f);
        Assert.True(mean > GaussianLogLikelihood() + 0.2, "the flow should beat a single Gaussian on eight modes");
        Assert.All(posterior, p => Assert.Equal(1.0, p.Sum(), 4));
        Assert.Equal(flow.Ours.ComponentPosterior(FittedFlow.Table(flow.Test))[0, 3], posterior[0][3], 4);
    }

    [Fact]
    public void Batch_size_does_not_change_the_scores()
    {
        var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
        var features = flow.Context.Transforms.Concatenate("Features", "x", "y").Fit(test).Transform(test);
        var wide = new MixtureDensityFlowTransformer(flow.Flow.Model, new MixtureDensityFlowEstimator.Options { ScoringBatchSize = 4096 }).Transform(features);
        var narrow = new MixtureDensityFlowTransformer(flow.Flow.Model, new MixtureDensityFlowEstimator.Options { ScoringBatchSize = 7 }).Transform(features);
        Assert.Equal(ColumnReader.Scalars<float>(wide, "LogDensity"), ColumnReader.Scalars<float>(narrow, "LogDensity"));
    }

    [Fact]
    public void Prediction_engine_scores_single_points()
    {
        var engine = flow.Context.Model.CreatePredictionEngine<FittedFlow.Point, Density>(flow.Model);
        var scored = flow.Model.Transform(flow.Context.Data.LoadFromEnumerable(flow.Test));
        var logDensity = ColumnReader.Scalars<float>(scored, "LogDensity");
        for (int i = 0; i < 20; i++)
        {
            var d = engine.Predict(flow.Test[i]);
            Assert.Equal(logDensity[i], d.LogDensity, 5);
            Assert.Equal(8, d.ComponentPosterior.Length);
        }
    }

    [Fact]
    public void Samples_come_back_as_a_data_view_the_flow_scores_consistently()
    {
        var samples = flow.Flow.Sample(500, seed: 3);
        Assert.Equal(500, samples.GetRowCount());
        var features = samples.Schema["Features"];
        VBuffer<ReadOnlyMemory<char>> slots = default;
        features.GetSlotNames(ref slots);
        Assert.Equal(["x", "y"], slots.DenseValues().Select(s => s.ToString()));

        var sampled = ColumnReader.Scalars<float>(samples, "LogDensity");
        var rescored = ColumnReader.Scalars<float>(flow.Flow.Transform(samples), "LogDensity");
        Assert.InRange(ColumnReader.MaxAbsDifference([sampled], [rescored]), 0f, 2e-3f);
        Assert.Equal(ColumnReader.Vectors(samples, "Features"), ColumnReader.Vectors(flow.Flow.Sample(500, seed: 3), "Features"));
    }

    [Fact]
    public void Saved_pipeline_loads_in_a_new_context_with_the_same_columns_and_the_onnx_chains_scores()
    {
        var stream = new MemoryStream();
        var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
        flow.Context.Model.Save(flow.Model, test.Schema, stream);
        Console.WriteLine($"8gaussians flow pipeline saved through ML.NET: {stream.Length:N0} bytes");

        // A new context: the saved chain is ML.NET's own transformers only (tests/StockLoader loads it with no MLNetMixture assembly).
        var fresh = new MLContext(seed: 5);
        stream.Position = 0;
        var loaded = fresh.Model.Load(stream, out var inputSchema);
        Assert.NotNull(inputSchema);
        var freshTest = fresh.Data.LoadFromEnumerable(flow.Test);
        var after = loaded.Transform(freshTest);
        var before = flow.Model.Transform(test);
        Assert.Equal(before.Schema["LogDensity"].Type, after.Schema["LogDensity"].Type);
        Assert.Equal(before.Schema["ComponentPosterior"].Type, after.Schema["ComponentPosterior"].Type);

        // The loaded pipeline computes what the fitted flow's OnnxTransformerChain computes, bit for bit...
        var features = flow.Context.Transforms.Concatenate("Features", "x", "y").Fit(test).Transform(test);
        var chain = flow.Flow.OnnxTransformerChain.Transform(features);
        var loadedDensity = ColumnReader.Scalars<float>(after, "LogDensity");
        Assert.Equal(ColumnReader.Scalars<float>(chain, "LogDensity"), loadedDensity);
        Assert.Equal(ColumnReader.Vectors(chain, "ComponentPosterior"), ColumnReader.Vectors(after, "ComponentPosterior"));

        // ... and agrees with the native batched scores up to ONNX Runtime's rounding.
        var nativeDensity = ColumnReader.Scalars<float>(before, "LogDensity");
        float densityDiff = ColumnReader.MaxAbsDifference([nativeDensity], [loadedDensity]);
        float posteriorDiff = ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "ComponentPosterior"), ColumnReader.Vectors(after, "ComponentPosterior"));
        Console.WriteLine($"1,000 test rows: max |native - loaded| log-density {densityDiff:E2}, posterior {posteriorDiff:E2}");
        Assert.InRange(densityDiff, 0f, 1e-4f);
        Assert.InRange(posteriorDiff, 0f, 1e-4f);

        // A second save of the loaded pipeline loads to the same numbers, and PredictionEngine works on it.
        var again = new MemoryStream();
        fresh.Model.Save(loaded, inputSchema, again);
        again.Position = 0;
        var reloaded = new MLContext().Model.Load(again, out _);
        Assert.Equal(loadedDensity, ColumnReader.Scalars<float>(reloaded.Transform(freshTest), "LogDensity"));
        var engine = fresh.Model.CreatePredictionEngine<FittedFlow.Point, Density>(loaded);
        var one = engine.Predict(flow.Test[7]);
        Assert.Equal(loadedDensity[7], one.LogDensity);
        Assert.Equal(8, one.ComponentPosterior.Length);
    }

    [Fact]
    public void Renamed_columns_survive_saving()
    {
        var options = new MixtureDensityFlowEstimator.Options { FeatureColumnName = "Point", LogDensityColumnName = "Density", ComponentPosteriorColumnName = "Mode" };
        var renamed = new MixtureDensityFlowTransformer(flow.Flow.Model, options);
        var test = flow.Context.Data.LoadFromEnumerable(flow.Test);
        var points = flow.Context.Transforms.Concatenate("Point", "x", "y").Fit(test).Transform(test);
        var stream = new MemoryStream();
        flow.Context.Model.Save(renamed, points.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var before = renamed.Transform(points);
        var after = loaded.Transform(points);
        Assert.Null(after.Schema.GetColumnOrNull("Features")); // the ONNX input is named after the feature column: no copy of it
        Assert.Equal(NumberDataViewType.Single, after.Schema["Density"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 8), after.Schema["Mode"].Type);
        Assert.InRange(ColumnReader.MaxAbsDifference([ColumnReader.Scalars<float>(before, "Density")], [ColumnReader.Scalars<float>(after, "Density")]), 0f, 1e-4f);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "Mode"), ColumnReader.Vectors(after, "Mode")), 0f, 1e-4f);
    }

    [Fact]
    public void Estimator_chain_output_schema_declares_the_added_columns()
    {
        var input = flow.Context.Transforms.CustomMapping<NoInput, FittedFlow.Point>(static (_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));
        var output = flow.Pipeline.GetOutputSchema(input).ToDictionary(c => c.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, output["LogDensity"].Kind);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, output["ComponentPosterior"].Kind);
    }

    [Fact]
    public void SaveOnnx_writes_the_density_graph_in_one_call_with_the_transformers_scores()
    {
        string path = Path.Combine(Path.GetTempPath(), $"flow-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            flow.Flow.SaveOnnx(path);
            var table = FittedFlow.Table(flow.Test);
            using var scorer = OnnxScorer.Load(path);
            var onnx = scorer.Score(table.Features, table.Rows)["LogDensity"].Floats!;
            var native = ColumnReader.Scalars<float>(flow.Model.Transform(flow.Context.Data.LoadFromEnumerable(flow.Test)), "LogDensity");
            Assert.InRange(ColumnReader.MaxAbsDifference([onnx], [native]), 0f, 1e-3f);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Catalog_knobs_left_null_take_the_model_apis_defaults()
    {
        var defaults = new MixtureDensityFlowOptions();
        var plain = flow.Context.Transforms.MixtureDensityFlow().Settings;
        Assert.Equal(defaults.Architecture.Components, plain.Components);
        Assert.Equal(defaults.Architecture.Layers, plain.Layers);
        Assert.Equal(defaults.Optimization.Epochs, plain.Epochs);
        Assert.Equal(defaults.Seed, plain.Seed);
        var set = flow.Context.Transforms.MixtureDensityFlow("Point", components: 3, layers: 2, epochs: 7, seed: 9).Settings;
        Assert.Equal(("Point", 3, 2, 7, 9UL), (set.FeatureColumnName, set.Components, set.Layers, set.Epochs, set.Seed));
        var model = set.ToModelOptions();
        Assert.Equal((3, 2, 7, 9UL), (model.Architecture.Components, model.Architecture.Layers, model.Optimization.Epochs, model.Seed));

        // Every flat property is a view of the model API's records: setting it sets the record, nothing is copied.
        Assert.Equal(defaults.Architecture.BaseInitialization, plain.BaseInitialization);
        set.BaseInitialization = MixtureBaseInitialization.StandardNormal;
        set.ShuffleBufferRows = 4096;
        set.TuningBudget = TimeSpan.FromSeconds(30);
        var after = set.ToModelOptions();
        Assert.Equal(MixtureBaseInitialization.StandardNormal, after.Architecture.BaseInitialization);
        Assert.Equal(4096, after.Optimization.ShuffleBufferRows);
        Assert.Equal(TimeSpan.FromSeconds(30), after.TuningBudget);
    }

    /// <summary>The mean test log-likelihood of the maximum-likelihood Gaussian of the training points.</summary>
    private double GaussianLogLikelihood()
    {
        double mx = flow.Train.Average(p => p.X), my = flow.Train.Average(p => p.Y);
        double sxx = flow.Train.Average(p => (p.X - mx) * (p.X - mx)), syy = flow.Train.Average(p => (p.Y - my) * (p.Y - my)), sxy = flow.Train.Average(p => (p.X - mx) * (p.Y - my));
        double det = (sxx * syy) - (sxy * sxy);
        return flow.Test.Average(p =>
        {
            double dx = p.X - mx, dy = p.Y - my;
            double q = ((syy * dx * dx) - (2 * sxy * dx * dy) + (sxx * dy * dy)) / det;
            return -Math.Log(2 * Math.PI) - (0.5 * Math.Log(det)) - (0.5 * q);
        });
    }

    public sealed class Density
    {
        public float LogDensity { get; set; }

        public float[] ComponentPosterior { get; set; } = [];
    }
}
