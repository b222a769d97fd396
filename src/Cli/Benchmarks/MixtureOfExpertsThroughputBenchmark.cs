using System.Diagnostics;
using MLNetMixture.Training.Data;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>
/// Throughput of a mixture-of-experts classifier shaped for UCI letter (D = 16, C = 26, K = 8 experts with one
/// hidden layer of 64, linear gate, ReLU): training samples/s on data/letter_train.csv, and inference rows/s of
/// the soft mixture (<see cref="MixtureOfExperts.Predict"/>), of native top-1 routing
/// (<see cref="MixtureOfExperts.PredictTopK"/>) and of the soft mixture exported to ONNX and scored by ONNX Runtime
/// on the CPU (<see cref="OnnxScorer"/>), on standardised features, with the same thread count on both sides.
/// </summary>
/// <remarks>
/// Used by <c>mlmix bench moe</c> and <c>mlmix bench onnx</c> and by the benchmark project's <c>moe-speed</c> and
/// <c>onnx-throughput</c> modes. <see cref="TrainOnLetter"/> measures training and keeps the trained model (top-1
/// speed depends on how the gate routes); <see cref="Untrained"/> takes a freshly initialised model and
/// standard-normal rows (soft inference does not depend on the values).
/// </remarks>
public sealed class MixtureOfExpertsThroughputBenchmark
{
    /// <summary>Experts K.</summary>
    public const int Experts = 8;

    /// <summary>The experts' hidden width.</summary>
    public const int ExpertHidden = 64;

    /// <summary>Rows per training step.</summary>
    public const int TrainingBatchSize = 256;

    private readonly float[] _pool;
    private readonly IReadOnlyList<string> _classLabels;

    /// <summary>Measures an existing model on the given standardised rows.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="classLabels">Its class labels (for the ONNX export).</param>
    /// <param name="standardizedRows">Row-major features [N, D], already standardised.</param>
    /// <param name="description">What the model is, for tables.</param>
    public MixtureOfExpertsThroughputBenchmark(MixtureOfExperts model, IReadOnlyList<string> classLabels, float[] standardizedRows, string description)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classLabels);
        ArgumentNullException.ThrowIfNull(standardizedRows);
        ArgumentNullException.ThrowIfNull(description);
        if (standardizedRows.Length == 0 || standardizedRows.Length % model.Inputs != 0)
        {
            throw new ArgumentException($"Expected rows of {model.Inputs} features; got {standardizedRows.Length} values.", nameof(standardizedRows));
        }

        Model = model;
        _classLabels = classLabels;
        _pool = standardizedRows;
        Description = description;
    }

    /// <summary>The model measured.</summary>
    public MixtureOfExperts Model { get; }

    /// <summary>Rows in the pool the inference measurements cycle through (letter test rows, or 16,384 synthetic ones).</summary>
    public int PoolRows => _pool.Length / Model.Inputs;

    /// <summary>What the model is, e.g. "MoE letter D=16, C=26, K=8 experts, hidden 64".</summary>
    public string Description { get; }

    /// <summary>Training samples/s (the median over epochs 2 onwards; epoch 1 alone if only one ran), or null for a model not trained here.</summary>
    public double? TrainingSamplesPerSecond { get; private init; }

    /// <summary>The epochs trained, or 0 for a model not trained here.</summary>
    public int TrainingEpochs { get; private init; }

    /// <summary>A letter-shaped model, freshly initialised, with 16,384 standard-normal rows.</summary>
    /// <param name="seed">Seed of the initialisation and the rows.</param>
    public static MixtureOfExpertsThroughputBenchmark Untrained(ulong seed = 16)
    {
        const int d = 16, c = 26;
        var model = new MixtureOfExperts(new MixtureOfExpertsOptions(d, c, Experts) { ExpertHiddenSizes = [ExpertHidden], Activation = Activation.Relu, Seed = seed });
        var rows = new float[16384 * d];
        new RandomSource(seed).FillNormal(rows);
        var labels = Enumerable.Range(0, c).Select(i => ((char)('A' + i)).ToString()).ToArray();
        return new MixtureOfExpertsThroughputBenchmark(model, labels, rows, $"MoE D={d}, C={c}, K={Experts} experts, hidden {ExpertHidden} (untrained)");
    }

    /// <summary>
    /// Trains on letter_train.csv (marginal objective, batch 256, no validation split, no load balancing) for at
    /// least <paramref name="minimumEpochs"/> epochs and until <paramref name="seconds"/> have passed, recording the
    /// training rate; inference is then measured on the standardised rows of letter_test.csv.
    /// </summary>
    /// <param name="dataDirectory">The folder holding letter_train.csv and letter_test.csv.</param>
    /// <param name="threads">Training and inference threads (at least 1).</param>
    /// <param name="minimumEpochs">Epochs to train at the least (at least 1).</param>
    /// <param name="seconds">Least training time; 0 trains exactly <paramref name="minimumEpochs"/> epochs.</param>
    /// <param name="cancellationToken">Stops training (then <see cref="OperationCanceledException"/> is thrown).</param>
    public static MixtureOfExpertsThroughputBenchmark TrainOnLetter(string dataDirectory, int threads, int minimumEpochs, double seconds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumEpochs);
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "The training time must be finite and not negative.");
        }

        var train = CsvFeatureReader.Read(Path.Combine(dataDirectory, "letter_train.csv"), label: "label");
        var test = CsvFeatureReader.Read(Path.Combine(dataDirectory, "letter_test.csv"), label: "label");
        var options = new MixtureOfExpertsModelOptions
        {
            Experts = Experts,
            ExpertHiddenSizes = [ExpertHidden],
            BatchSize = TrainingBatchSize,
            Epochs = seconds > 0 ? 1000 : minimumEpochs,
            ValidationFraction = 0,
            LoadBalancingWeight = 0,
            Threads = threads,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rates = new List<double>();
        var clock = Stopwatch.StartNew();
        var model = MixtureOfExpertsModel.Fit(train, options, progress: new EpochReporter(p =>
            {
                rates.Add(p.SamplesPerSecond);
                if (p.Epoch >= minimumEpochs && clock.Elapsed.TotalSeconds >= seconds)
                {
                    stop.Cancel();
                }
            }), cancellationToken: stop.Token);
        cancellationToken.ThrowIfCancellationRequested();

        var steady = (rates.Count > 1 ? rates.Skip(1) : rates).Order().ToArray();
        var rows = test.Features.ToArray();
        model.Standardizer.Apply(rows);
        return new MixtureOfExpertsThroughputBenchmark(model.Model, model.ClassLabels, rows, $"MoE letter D={train.Columns}, C={model.ClassLabels.Count}, K={Experts} experts, hidden {ExpertHidden}")
        {
            TrainingSamplesPerSecond = steady[steady.Length / 2],
            TrainingEpochs = rates.Count,
        };
    }

    /// <summary>Soft-mixture inference rows/s (every expert evaluated, through the graph), one batch per call.</summary>
    /// <param name="batch">Rows per call.</param>
    /// <param name="threads">Threads of the matrix products (at least 1).</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    public Throughput MeasureSoft(int batch, int threads, MeasurementPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var inputs = Tensors(batch);
        return ThroughputMeter.Measure(i => Model.Predict(inputs[i % inputs.Length], threads), batch, plan, cancellationToken);
    }

    /// <summary>Native top-1 routing rows/s (each row evaluated by its most probable expert only), one batch per call.</summary>
    /// <param name="batch">Rows per call.</param>
    /// <param name="threads">Threads of the matrix products (at least 1).</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    public Throughput MeasureTopOne(int batch, int threads, MeasurementPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var inputs = Tensors(batch);
        return ThroughputMeter.Measure(i => Model.PredictTopK(inputs[i % inputs.Length], 1, threads), batch, plan, cancellationToken);
    }

    /// <summary>
    /// ONNX Runtime (CPU) rows/s of the soft mixture exported to ONNX (without a standardiser: it is fed the same
    /// standardised rows), one <see cref="OnnxScorer"/> run of <paramref name="batch"/> rows per call, every output fetched.
    /// </summary>
    /// <param name="batch">Rows per run.</param>
    /// <param name="threads">ONNX Runtime intra-op threads (at least 1).</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    public Throughput MeasureOnnxSoft(int batch, int threads, MeasurementPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var onnxModel = new MixtureOfExpertsOnnxExporter().ToBytes(null, Model, _classLabels, Enumerable.Range(0, Model.Inputs).Select(j => $"f{j}").ToArray());
        var inputs = RowBatches.Cut(_pool, Model.Inputs, batch);
        using var scorer = OnnxScorer.Load(onnxModel, new OnnxScoringOptions { BatchSize = batch, IntraOpThreads = threads });
        return ThroughputMeter.Measure(i => scorer.Score(inputs[i % inputs.Length], batch), batch, plan, cancellationToken);
    }

    private Tensor[] Tensors(int batch) =>
        [.. RowBatches.Cut(_pool, Model.Inputs, batch).Select(values => new Tensor(values, batch, Model.Inputs))];
}
