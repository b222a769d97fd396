using Microsoft.ML;
using MLNetMixture.Training.Experts;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests;

/// <summary>The trainer's checks and its device choice, on small fits.</summary>
public sealed class MixtureOfExpertsTrainerTests
{
    private readonly MLContext _ml = new(seed: 3);

    [Fact]
    public void Label_that_is_not_a_key_is_rejected_with_a_hint()
    {
        var data = _ml.Transforms.Concatenate("Features", LetterData.FeatureNames).Append(_ml.Transforms.CopyColumns("Label", "label")).Fit(Small()).Transform(Small());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        Assert.Contains("MapValueToKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feature_column_that_is_not_a_vector_is_rejected()
    {
        var data = Prepared(Small());
        var trainer = new MixtureOfExpertsTrainer(new MixtureOfExpertsTrainer.Options(Quick()) { FeatureColumnName = "x_box" });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        Assert.Contains("known-size vector of Single", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_input_is_named_after_the_feature_column_and_no_copy_of_it_is_added()
    {
        var data = _ml.Transforms.Conversion.MapValueToKey("Label", "label")
            .Append(_ml.Transforms.Concatenate("Pixels", LetterData.FeatureNames))
            .Fit(Small())
            .Transform(Small());
        var model = new MixtureOfExpertsTrainer(new MixtureOfExpertsTrainer.Options(Quick()) { FeatureColumnName = "Pixels" }).Fit(data);
        var scored = model.Transform(data);
        Assert.Null(scored.Schema.GetColumnOrNull("Features"));
        Assert.NotNull(scored.Schema.GetColumnOrNull("Score"));

        string path = Path.Combine(Path.GetTempPath(), $"pixels-{Environment.ProcessId}.onnx");
        try
        {
            model.SaveOnnx(path);
            using var scorer = OnnxScorer.Load(File.ReadAllBytes(path));
            Assert.Equal(["Pixels"], scorer.InputNames);
        }
        finally
        {
            File.Delete(path);
        }

        using var stream = new MemoryStream();
        _ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _).Transform(data);
        Assert.Null(loaded.Schema.GetColumnOrNull("Features"));
        var before = ColumnReader.Vectors(scored, "Score").SelectMany(v => v).ToArray();
        var after = ColumnReader.Vectors(loaded, "Score").SelectMany(v => v).ToArray();
        Assert.Equal(before.Length, after.Length);
        Assert.All(before.Zip(after), p => Assert.Equal(p.First, p.Second, 1e-5f));
    }

    [Fact]
    public void Class_of_the_key_type_without_training_rows_is_named()
    {
        // The key type has all 26 letters, the training rows lack letter 25.
        var keys = _ml.Transforms.Conversion.MapValueToKey("Label", "label").Fit(Small());
        var rows = _ml.Data.FilterRowsByColumn(Small(), "label", 0, 25);
        var data = _ml.Transforms.Concatenate("Features", LetterData.FeatureNames).Fit(rows).Transform(keys.Transform(rows));
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("never occur", error.Message, StringComparison.Ordinal);
        Assert.Contains("'25'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Requested_gpu_without_fallback_fails_before_training()
    {
        Assert.SkipWhen(CudaAvailability.Problem(0) is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        var trainer = new MixtureOfExpertsTrainer(new MixtureOfExpertsTrainer.Options(Quick())
        {
            Scoring = new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, FallbackToCpu = false },
        });
        var error = Assert.Throws<ExecutionProviderUnavailableException>(() => trainer.Fit(Prepared(Small())));
        Assert.Contains("FallbackToCpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Requested_gpu_with_fallback_warns_and_scores_on_the_cpu()
    {
        Assert.SkipWhen(CudaAvailability.Problem(0) is null, "needs a machine where CUDA cannot be used: CUDA device 0 is usable here, so there is nothing to fall back from");

        var warnings = new List<string>();
        var options = new MixtureOfExpertsTrainer.Options(Quick())
        {
            Scoring = new OnnxScoringOptions { Device = OnnxExecutionDevice.Cuda, FallbackToCpu = true, Warning = warnings.Add },
        };
        var data = Prepared(Small());
        var model = _ml.MulticlassClassification.Trainers.MixtureOfExperts(options).Fit(data);
        var cpu = new MixtureOfExpertsTrainer(new MixtureOfExpertsTrainer.Options(Quick())).Fit(data);

        Assert.Single(warnings);
        Assert.Equal(ColumnReader.Vectors(cpu.Transform(data), "Score"), ColumnReader.Vectors(model.Transform(data), "Score"));
    }

    [Fact]
    public void Separate_validation_data_is_used_for_early_stopping()
    {
        var data = Prepared(Small());
        var validation = Prepared(_ml.Data.SkipRows(LetterData.MLNetTrain(_ml), 2500));
        var training = Quick();
        training.Validation.ValidationFraction = 0; // no split of the training rows: validation scores can only come from the validation data
        var model = new MixtureOfExpertsTrainer(new MixtureOfExpertsTrainer.Options(training)).Fit(data, validation);
        Assert.NotNull(model.Training);
        Assert.All(model.Training!.History, r => Assert.NotNull(r.Validation));
        Assert.Equal(LetterData.Classes, model.ClassLabels.Count);
        Assert.Equal("0", model.ClassLabels[0]);
    }

    [Fact]
    public void Catalog_overload_keeps_the_model_api_defaults_for_null_knobs()
    {
        var defaults = new MixtureOfExpertsModelOptions();
        var plain = _ml.MulticlassClassification.Trainers.MixtureOfExperts().Settings;
        Assert.Equal(defaults.Architecture.Experts, plain.Experts);
        Assert.Equal(defaults.Optimization.Epochs, plain.Epochs);
        Assert.Equal(defaults.Optimization.LearningRate, plain.LearningRate);
        Assert.Equal(defaults.Optimization.BatchSize, plain.BatchSize);

        var set = _ml.MulticlassClassification.Trainers.MixtureOfExperts("Key", "X", experts: 3, epochs: 7, learningRate: 0.5f).Settings;
        Assert.Equal(("Key", "X", 3, 7, 0.5f), (set.LabelColumnName, set.FeatureColumnName, set.Experts, set.Epochs, set.LearningRate));
        Assert.Equal(defaults.Optimization.WeightDecay, set.WeightDecay);
    }

    [Fact]
    public void Weight_two_on_a_class_trains_as_duplicating_its_rows()
    {
        // Full-batch training without a validation split: the weighted and the duplicated objective are then the
        // same function; only the (unweighted) standardisation differs.
        var rows = _ml.Data.CreateEnumerable<LetterRow>(Small(), reuseRowObject: false).ToList();
        var duplicated = Prepared(_ml.Data.LoadFromEnumerable(rows.Concat(rows.Where(r => r.Label == 0))));
        var weighted = Weighted(Prepared(_ml.Data.LoadFromEnumerable(rows)), label => label == 0 ? 2f : 1f);
        var test = Prepared(_ml.Data.TakeRows(LetterData.MLNetTest(_ml), 1000));

        var byCopies = new MixtureOfExpertsTrainer(FullBatch()).Fit(duplicated);
        var options = FullBatch();
        options.ExampleWeightColumnName = "Weight";
        var byWeight = new MixtureOfExpertsTrainer(options).Fit(weighted);
        var unweighted = new MixtureOfExpertsTrainer(FullBatch()).Fit(Prepared(_ml.Data.LoadFromEnumerable(rows)));

        var a = ColumnReader.Scalars<uint>(byCopies.Transform(test), "PredictedLabel");
        var b = ColumnReader.Scalars<uint>(byWeight.Transform(test), "PredictedLabel");
        var c = ColumnReader.Scalars<uint>(unweighted.Transform(test), "PredictedLabel");
        double agreement = a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;
        double baseline = a.Zip(c).Count(p => p.First == p.Second) / (double)a.Length;
        TestContext.Current.TestOutputHelper?.WriteLine($"duplicated vs weighted: {agreement:F3} of the predictions agree; duplicated vs unweighted: {baseline:F3}");
        Assert.True(agreement >= 0.9, $"only {agreement:F3} of the predictions agree");
        Assert.True(agreement > baseline, $"weighted ({agreement:F3}) is no closer to duplicated than unweighted ({baseline:F3})");
    }

    [Fact]
    public void Weight_zero_on_a_class_leaves_it_unlearned()
    {
        var options = new MixtureOfExpertsTrainer.Options(Quick()) { ExampleWeightColumnName = "Weight", Epochs = 5 };
        var data = Weighted(Prepared(Small()), label => label == 0 ? 0f : 1f);
        var model = new MixtureOfExpertsTrainer(options).Fit(data);
        var test = Prepared(_ml.Data.TakeRows(LetterData.MLNetTest(_ml), 1000));
        var predicted = ColumnReader.Scalars<uint>(model.Transform(test), "PredictedLabel");
        var truth = ColumnReader.Scalars<uint>(test, "Label");
        Assert.Contains(1u, truth);
        Assert.DoesNotContain(1u, predicted); // key 1 is class 0, weighted 0
    }

    [Fact]
    public void Missing_weight_column_is_named()
    {
        var options = new MixtureOfExpertsTrainer.Options(Quick()) { ExampleWeightColumnName = "NoSuchWeight" };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MixtureOfExpertsTrainer(options).Fit(Prepared(Small())));
        Assert.Contains("NoSuchWeight", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A custom mapping's input: the raw letter class.</summary>
    public sealed class LabelInput
    {
        [Microsoft.ML.Data.ColumnName("label")]
        public float Label { get; set; }
    }

    /// <summary>A custom mapping's output: the example weight.</summary>
    public sealed class WeightOutput
    {
        public float Weight { get; set; }
    }

    private IDataView Weighted(IDataView data, Func<float, float> weight) =>
        _ml.Transforms.CustomMapping<LabelInput, WeightOutput>((i, o) => o.Weight = weight(i.Label), contractName: null).Fit(data).Transform(data);

    private static MixtureOfExpertsTrainer.Options FullBatch() =>
        new(Quick()) { Epochs = 30, BatchSize = 4096, ValidationFraction = 0, EarlyStoppingPatience = 0 };

    private MixtureOfExpertsTrainer Trainer() => new(new MixtureOfExpertsTrainer.Options(Quick()));

    private IDataView Small() => _ml.Data.TakeRows(LetterData.MLNetTrain(_ml), 1000);

    private IDataView Prepared(IDataView data) =>
        _ml.Transforms.Conversion.MapValueToKey("Label", "label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(_ml.Transforms.Concatenate("Features", LetterData.FeatureNames))
            .Fit(data)
            .Transform(data);

    private static MixtureOfExpertsModelOptions Quick() => new() { Architecture = { Experts = 2, ExpertHiddenSizes = [8] }, Optimization = { Epochs = 2 }, Seed = 5, Threads = 1 };
}
