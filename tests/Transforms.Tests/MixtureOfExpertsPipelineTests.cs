using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms.Tests;

public sealed class MixtureOfExpertsPipelineTests(LetterModels letter) : IClassFixture<LetterModels>
{
    [Fact]
    public void Pipeline_accuracy_matches_our_api_within_half_a_point()
    {
        var scored = letter.Model.Transform(letter.Test);
        var metrics = letter.Context.MulticlassClassification.Evaluate(scored);
        double ours = letter.Ours.Evaluate(LetterData.OurTest()).Accuracy;
        Console.WriteLine($"letter ({LetterData.TrainRows} training rows, 4,000 test rows): accuracy through ML.NET {metrics.MicroAccuracy:F4}, through our API {ours:F4}");
        Assert.InRange(metrics.MicroAccuracy, 0.6, 1.0);
        Assert.InRange(metrics.MicroAccuracy - ours, -0.005, 0.005);
        Assert.Equal(LetterData.Classes, metrics.ConfusionMatrix.NumberOfClasses);
    }

    [Fact]
    public void Output_columns_have_the_types_of_an_mlnet_multiclass_trainer()
    {
        var scored = letter.Model.Transform(letter.Test);
        var schema = scored.Schema;
        var label = schema["Label"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, LetterData.Classes).Size, ((VectorDataViewType)schema["Score"].Type).Size);
        Assert.Equal(NumberDataViewType.Single, ((VectorDataViewType)schema["Score"].Type).ItemType);
        Assert.Equal(label.Type, schema["PredictedLabel"].Type);
        Assert.True(schema["PredictedLabel"].HasKeyValues(NumberDataViewType.Single));
        Assert.Equal(4, ((VectorDataViewType)schema["GateProbabilities"].Type).Size);
        Assert.Equal(NumberDataViewType.UInt32, schema["Expert"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["PredictedLetter"].Type);
        Assert.False(schema.GetColumnOrNull("MixtureOfExperts.PredictedLabelHash").HasValue);

        // PredictedLabel is the arg-max of Score, in the label's key order; MapKeyToValue gives back the letter index.
        var scores = ColumnReader.Vectors(scored, "Score");
        var predicted = ColumnReader.Scalars<uint>(scored, "PredictedLabel");
        var letters = ColumnReader.Scalars<float>(scored, "PredictedLetter");
        var experts = ColumnReader.Scalars<uint>(scored, "Expert");
        var gates = ColumnReader.Vectors(scored, "GateProbabilities");
        for (int r = 0; r < scores.Length; r++)
        {
            int best = Array.IndexOf(scores[r], scores[r].Max());
            Assert.Equal((uint)best + 1, predicted[r]);
            Assert.Equal(best, (int)letters[r]);
            Assert.Equal(1.0, scores[r].Sum(), 4);
            Assert.Equal(1.0, gates[r].Sum(), 4);
            Assert.Equal(Array.IndexOf(gates[r], gates[r].Max()), (int)experts[r]);
        }
    }

    [Fact]
    public void Score_carries_slot_names_from_the_label_key_values()
    {
        var scored = letter.Model.Transform(letter.Test);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].GetSlotNames(ref slots);
        VBuffer<float> keys = default;
        scored.Schema["Label"].GetKeyValues(ref keys);
        var expected = keys.DenseValues().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, slots.DenseValues().Select(s => s.ToString()).ToArray());
        Assert.Equal(expected, letter.MixtureOfExperts.ClassLabels);
        Assert.True(letter.MixtureOfExperts.GetOutputSchema(scored.Schema)["Score"].HasSlotNames());
        Assert.True(scored.Schema["PredictedLabel"].HasKeyValues(NumberDataViewType.Single));
    }

    [Fact]
    public void Model_exposes_the_fitted_parameters_and_the_feature_column()
    {
        var moe = letter.MixtureOfExperts;
        Assert.Equal(4, moe.Model.ExpertCount);
        Assert.Equal(LetterData.FeatureNames.Length, moe.Model.FeatureNames.Count);
        Assert.NotNull(moe.Model.Standardizer);
        Assert.Equal("Features", moe.FeatureColumnName);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, LetterData.FeatureNames.Length), moe.FeatureColumnType);
        Assert.IsAssignableFrom<ISingleFeaturePredictionTransformer<MLNetMixture.Training.Experts.MixtureOfExpertsModel>>(moe);
    }

    [Fact]
    public void Permutation_feature_importance_gives_one_entry_per_feature_slot()
    {
        // The data as the mixture of experts sees it: the pipeline's steps before it, on part of the test rows.
        var steps = ((IEnumerable<ITransformer>)letter.Model).ToArray();
        var data = letter.Context.Data.TakeRows(letter.Test, 300);
        foreach (var step in steps.TakeWhile(s => s is not MixtureOfExpertsPredictionTransformer))
        {
            data = step.Transform(data);
        }

        var importance = letter.Context.MulticlassClassification.PermutationFeatureImportance(letter.MixtureOfExperts, data, "Label", permutationCount: 1);
        Assert.Equal(LetterData.FeatureNames.Length, importance.Length);
        Assert.Contains(importance, m => m.MicroAccuracy.Mean < -0.01); // some feature matters
    }

    [Fact]
    public void Saved_pipeline_loads_in_a_new_context_as_mlnet_transformers_with_identical_outputs()
    {
        string dir = Directory.CreateTempSubdirectory("mlnet-moe-").FullName;
        try
        {
            string path = Path.Combine(dir, "letter.zip");
            letter.Context.Model.Save(letter.Model, letter.Train.Schema, path);

            var fresh = new MLContext(seed: 99);
            var loaded = fresh.Model.Load(path, out var inputSchema);
            Assert.Equal(letter.Train.Schema.Count, inputSchema.Count);
            Assert.DoesNotContain(Flatten(loaded), t => t.GetType().Assembly.GetName().Name!.StartsWith("MLNetMixture", StringComparison.Ordinal));

            var before = letter.Model.Transform(letter.Test);
            var after = loaded.Transform(LetterData.MLNetTest(fresh));
            Assert.Equal(0f, ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "Score"), ColumnReader.Vectors(after, "Score")));
            Assert.Equal(0f, ColumnReader.MaxAbsDifference(ColumnReader.Vectors(before, "GateProbabilities"), ColumnReader.Vectors(after, "GateProbabilities")));
            Assert.Equal(ColumnReader.Scalars<uint>(before, "PredictedLabel"), ColumnReader.Scalars<uint>(after, "PredictedLabel"));
            Assert.Equal(ColumnReader.Scalars<float>(before, "PredictedLetter"), ColumnReader.Scalars<float>(after, "PredictedLetter"));
            Assert.Equal(ColumnReader.Scalars<uint>(before, "Expert"), ColumnReader.Scalars<uint>(after, "Expert"));
            Assert.Equal(before.Schema["PredictedLabel"].Type, after.Schema["PredictedLabel"].Type);

            var metrics = fresh.MulticlassClassification.Evaluate(after);
            Assert.Equal(letter.Context.MulticlassClassification.Evaluate(before).MicroAccuracy, metrics.MicroAccuracy);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Prediction_engine_gives_the_rows_of_the_batch_transform_before_and_after_loading()
    {
        var test = LetterData.OurTest();
        var scored = letter.Model.Transform(letter.Test);
        var scores = ColumnReader.Vectors(scored, "Score");
        var experts = ColumnReader.Scalars<uint>(scored, "Expert");
        var engine = letter.Context.Model.CreatePredictionEngine<LetterRow, LetterPrediction>(letter.Model);

        string path = Path.Combine(Path.GetTempPath(), $"letter-engine-{Environment.ProcessId}.zip");
        letter.Context.Model.Save(letter.Model, letter.Train.Schema, path);
        var fresh = new MLContext();
        var loadedEngine = fresh.Model.CreatePredictionEngine<LetterRow, LetterPrediction>(fresh.Model.Load(path, out _));
        File.Delete(path);

        for (int r = 0; r < 25; r++)
        {
            var row = LetterRow.FromValues(test.Row(r), float.Parse(test.Labels![r], CultureInfo.InvariantCulture));
            foreach (var prediction in new[] { engine.Predict(row), loadedEngine.Predict(row) })
            {
                Assert.Equal(scores[r], prediction.Score);
                Assert.Equal(Array.IndexOf(scores[r], scores[r].Max()), (int)prediction.PredictedLetter);
                Assert.Equal(prediction.PredictedLetter + 1, prediction.PredictedLabel);
                Assert.Equal(experts[r], prediction.Expert);
                Assert.Equal(4, prediction.GateProbabilities.Length);
            }
        }
    }

    [Fact]
    public void Batched_onnx_runtime_scoring_matches_mlnet_apply_onnx_model_and_the_native_model()
    {
        var moe = letter.MixtureOfExperts;
        var features = letter.Context.Data.Cache(Preprocessing().Transform(letter.Test));
        var viaMLNet = moe.Transform(features);
        using var batched = moe.ToBatchedScoring(new OnnxScoringOptions { BatchSize = 512 });
        var viaBatches = batched.Transform(features);

        // Informational (not asserted): ML.NET's transformer runs ONNX Runtime once per row, ours once per 512 rows.
        ColumnReader.Vectors(features, "Features");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ColumnReader.Vectors(viaMLNet, "Score");
        var perRow = clock.Elapsed;
        clock.Restart();
        ColumnReader.Vectors(viaBatches, "Score");
        Console.WriteLine($"scoring 4,000 letter rows: ApplyOnnxModel chain {perRow.TotalMilliseconds:F0} ms, batched ONNX Runtime {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal("CPUExecutionProvider", batched.ActiveProvider);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(viaMLNet, "Score"), ColumnReader.Vectors(viaBatches, "Score")), 0f, 1e-5f);
        Assert.InRange(ColumnReader.MaxAbsDifference(ColumnReader.Vectors(viaMLNet, "GateProbabilities"), ColumnReader.Vectors(viaBatches, "GateProbabilities")), 0f, 1e-5f);
        Assert.Equal(ColumnReader.Scalars<uint>(viaMLNet, "PredictedLabel"), ColumnReader.Scalars<uint>(viaBatches, "PredictedLabel"));
        Assert.Equal(ColumnReader.Scalars<uint>(viaMLNet, "Expert"), ColumnReader.Scalars<uint>(viaBatches, "Expert"));
        Assert.Equal(viaMLNet.Schema["PredictedLabel"].Type, viaBatches.Schema["PredictedLabel"].Type);

        // The batched output's PredictedLabel keeps the label's key values: MapKeyToValue works on it too.
        var letters = letter.Context.Transforms.Conversion.MapKeyToValue("PredictedLetter", "PredictedLabel").Fit(viaBatches).Transform(viaBatches);
        Assert.Equal(ColumnReader.Scalars<float>(letter.Model.Transform(letter.Test), "PredictedLetter"), ColumnReader.Scalars<float>(letters, "PredictedLetter"));

        // And the ONNX graph computes what the native model computes.
        var rows = ColumnReader.Vectors(features, "Features");
        var native = moe.Model.Transform(rows.SelectMany(r => r).ToArray());
        var nativeScores = Enumerable.Range(0, native.Rows).Select(r => native.Score(r).ToArray()).ToArray();
        Assert.InRange(ColumnReader.MaxAbsDifference(nativeScores, ColumnReader.Vectors(viaBatches, "Score")), 0f, 1e-4f);
    }

    [Fact]
    public void Estimator_chain_output_schema_declares_the_columns_and_key_values()
    {
        var input = letter.Context.Transforms.CustomMapping<NoInput, LetterRow>(static (_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));
        var output = letter.Pipeline.GetOutputSchema(input).ToDictionary(c => c.Name);

        Assert.Equal(SchemaShape.Column.VectorKind.Vector, output["Score"].Kind);
        Assert.Equal(NumberDataViewType.Single, output["Score"].ItemType);
        Assert.True(output["PredictedLabel"].IsKey);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, output["PredictedLabel"].Kind);
        Assert.Contains(output["PredictedLabel"].Annotations, a => a.Name == "KeyValues");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, output["GateProbabilities"].Kind);
        Assert.Equal(NumberDataViewType.UInt32, output["Expert"].ItemType);
        Assert.Equal(NumberDataViewType.Single, output["PredictedLetter"].ItemType);
    }

    /// <summary>The fitted pipeline's steps before the mixture of experts (key mapping, concatenation, normalisation).</summary>
    private TransformerChain<ITransformer> Preprocessing() =>
        new([.. ((IEnumerable<ITransformer>)letter.Model).TakeWhile(t => t is not MixtureOfExpertsPredictionTransformer)]);

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten).Prepend(transformer) : [transformer];
}
