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

    /// <summary>Input features of the wide synthetic case (an MNIST-sized row).</summary>
    public const int WideInputs = 784;

    /// <summary>The experts' hidden width in the wide synthetic case.</summary>
    public const int WideHidden = 128;

    /// <summary>Classes of the wide synthetic case.</summary>
    public const int WideClasses = 10;

    /// <summary>Training rows of the wide synthetic case.</summary>
    public const int WideRows = 60000;

    /// <summary>Rows of the wide synthetic case that inference is measured on (its first; as moe_torch.py --wide).</summary>
    public const int WideInferenceRows = 4096;

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

    /// <summary>The matrix-product FLOPs of one training sample (<see cref="FlopsPerTrainingSample"/>), or 0 for a model not trained here.</summary>
    public double TrainingFlopsPerSample { get; private init; }

    /// <summary>
    /// Training samples per second of the process's CPU time (all threads, spin-waiting included; the median over epochs
    /// 2 onwards), or null for a model not trained here. With one thread it is the rate the process would reach with a
    /// core to itself, a steadier figure than <see cref="TrainingSamplesPerSecond"/> on a shared machine.
    /// </summary>
    public double? TrainingSamplesPerCpuSecond { get; private init; }

    /// <summary>Training GFLOP/s of the matrix products (<see cref="TrainingSamplesPerSecond"/> x <see cref="TrainingFlopsPerSample"/>), or null for a model not trained here.</summary>
    public double? TrainingGflops => TrainingSamplesPerSecond * TrainingFlopsPerSample / 1e9;

    /// <summary>A letter-shaped model, freshly initialised, with 16,384 standard-normal rows.</summary>
    /// <param name="seed">Seed of the initialisation and the rows.</param>
    public static MixtureOfExpertsThroughputBenchmark Untrained(ulong seed = 16)
    {
        const int d = 16, c = 26;
        var model = new MixtureOfExperts(d, c, new MixtureOfExpertsArchitecture { Experts = Experts, ExpertHiddenSizes = [ExpertHidden], Activation = Activation.Relu }, seed);
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
    /// <param name="warmupSeconds">
    /// A throw-away training run of this long first, so that the measured epochs run the just-in-time compiler's final
    /// code (its background compilations otherwise take CPU time from the first few short epochs: the first of
    /// several 8-epoch letter runs in one process measured 344k samples/s after a warm-up of 0.4 s, the later ones
    /// 463-473k); 0 for none.
    /// </param>
    public static MixtureOfExpertsThroughputBenchmark TrainOnLetter(string dataDirectory, int threads, int minimumEpochs, double seconds, CancellationToken cancellationToken = default, double warmupSeconds = 2)
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
            Architecture = { Experts = Experts, ExpertHiddenSizes = [ExpertHidden] },
            Loss = { LoadBalancingWeight = 0 },
            Optimization = { BatchSize = TrainingBatchSize, Epochs = seconds > 0 ? 1000 : minimumEpochs },
            Validation = { ValidationFraction = 0 },
            Threads = threads,
        };
        var warmupOptions = options.Clone();
        warmupOptions.Optimization.Epochs = 1000; // stopped by the warm-up's timer
        WarmUp(warmupSeconds, cancellationToken, token => MixtureOfExpertsModel.Fit(train, warmupOptions, cancellationToken: token));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rates = new EpochRates(TrainingBatchSize);
        var clock = Stopwatch.StartNew();
        var model = MixtureOfExpertsModel.Fit(
            train,
            options,
            progress: new EpochReporter(p => Record(p, rates, minimumEpochs, seconds, clock, stop)),
            cancellationToken: stop.Token);
        cancellationToken.ThrowIfCancellationRequested();

        var rows = test.Features.ToArray();
        model.Standardizer.Apply(rows);
        return new MixtureOfExpertsThroughputBenchmark(model.Model, model.ClassLabels, rows, $"MoE letter D={train.Columns}, C={model.ClassLabels.Count}, K={Experts} experts, hidden {ExpertHidden}")
        {
            TrainingSamplesPerSecond = SteadyRate(rates.Wall),
            TrainingSamplesPerCpuSecond = SteadyRate(rates.Cpu),
            TrainingEpochs = rates.Wall.Count,
            TrainingFlopsPerSample = FlopsPerTrainingSample(train.Columns, model.ClassLabels.Count, Experts, ExpertHidden),
        };
    }

    /// <summary>
    /// The wide synthetic data set, generated identically by benchmarks/reference/moe_torch.py --wide:
    /// <see cref="WideRows"/> x <see cref="WideInputs"/> features, element e (row-major) being
    /// <c>(fmix32(e * 0x9E3779B9) &gt;&gt; 8) * 2^-24 - 0.5</c> times sqrt(12) in float32 (uniform, unit variance;
    /// fmix32 is MurmurHash3's finaliser), and each row's label the first index of the largest of its first
    /// <see cref="WideClasses"/> features.
    /// </summary>
    public static (float[] Features, int[] Labels) WideSynthetic()
    {
        var features = GC.AllocateUninitializedArray<float>(WideRows * WideInputs);
        const float scale = 3.4641016f; // sqrt(12)
        for (int e = 0; e < features.Length; e++)
        {
            uint h = unchecked((uint)e * 0x9E3779B9u);
            h ^= h >> 16;
            h = unchecked(h * 0x85EBCA6Bu);
            h ^= h >> 13;
            h = unchecked(h * 0xC2B2AE35u);
            h ^= h >> 16;
            features[e] = (((h >> 8) * (1f / 16777216f)) - 0.5f) * scale;
        }

        var labels = new int[WideRows];
        for (int r = 0; r < WideRows; r++)
        {
            labels[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(features.AsSpan(r * WideInputs, WideClasses));
        }

        return (features, labels);
    }

    /// <summary>
    /// Floating-point operations of one training sample's matrix products (a multiply-add counts two) for a linear
    /// gate and experts with one hidden layer, marginal objective: forward <c>2Dk + 2DkH + 2kHC</c>; backward the
    /// weight gradients of all three and the hidden activations' gradient (the input's is not needed), so
    /// <c>4Dk + 4DkH + 6kHC</c> in all. Element-wise work (softmaxes, ReLU, AdamW) is not counted.
    /// </summary>
    /// <param name="inputs">D.</param>
    /// <param name="classes">C.</param>
    /// <param name="experts">k.</param>
    /// <param name="hidden">H.</param>
    public static double FlopsPerTrainingSample(int inputs, int classes, int experts, int hidden)
        => (4.0 * inputs * experts) + (4.0 * inputs * experts * hidden) + (6.0 * experts * hidden * classes);

    /// <summary>
    /// Trains on <see cref="WideSynthetic"/> (D = 784, C = 10, K = 8 experts with hidden 128, marginal, batch 256,
    /// no validation, the estimator's default AdamW, cosine schedule and clipping) for at least
    /// <paramref name="minimumEpochs"/> epochs and until <paramref name="seconds"/> have passed, recording the
    /// training rate; inference is then measured on the first <see cref="WideInferenceRows"/> rows.
    /// </summary>
    /// <param name="threads">Training and inference threads (at least 1).</param>
    /// <param name="minimumEpochs">Epochs to train at the least (at least 1).</param>
    /// <param name="seconds">Least training time; 0 trains exactly <paramref name="minimumEpochs"/> epochs.</param>
    /// <param name="cancellationToken">Stops training (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <param name="warmupSeconds">A throw-away training run of this long first (see <see cref="TrainOnLetter"/>); 0 for none.</param>
    public static MixtureOfExpertsThroughputBenchmark TrainOnWideSynthetic(int threads, int minimumEpochs, double seconds, CancellationToken cancellationToken = default, double warmupSeconds = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumEpochs);
        var (features, labels) = WideSynthetic();
        var defaults = new MixtureOfExpertsModelOptions();
        var model = new MixtureOfExperts(WideInputs, WideClasses, new MixtureOfExpertsArchitecture { Experts = Experts, ExpertHiddenSizes = [WideHidden], Activation = Activation.Relu }, defaults.Seed);
        var objective = new MixtureOfExpertsObjective(model, new Tensor(features, WideRows, WideInputs), labels, new MixtureOfExpertsLossOptions { Objective = GateObjective.Marginal }) { Threads = threads };
        var trainer = new TrainerOptions
        {
            Optimization = { Epochs = seconds > 0 ? 1000 : minimumEpochs, BatchSize = TrainingBatchSize, LearningRate = defaults.Optimization.LearningRate, WeightDecay = defaults.Optimization.WeightDecay, LearningRateSchedule = defaults.Optimization.LearningRateSchedule },
            Seed = defaults.Seed,
            Threads = threads,
        };
        WarmUp(warmupSeconds, cancellationToken, token =>
        {
            var scratch = new MixtureOfExperts(model.Inputs, model.Classes, model.Architecture, model.Seed);
            MinibatchTrainer.Fit(new MixtureOfExpertsObjective(scratch, new Tensor(features, WideRows, WideInputs), labels, objective.Options) { Threads = threads }, trainer, cancellationToken: token);
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rates = new EpochRates(TrainingBatchSize);
        var clock = Stopwatch.StartNew();
        MinibatchTrainer.Fit(objective, trainer, new EpochReporter(p => Record(p, rates, minimumEpochs, seconds, clock, stop)), stop.Token);
        cancellationToken.ThrowIfCancellationRequested();
        var labelNames = Enumerable.Range(0, WideClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new MixtureOfExpertsThroughputBenchmark(model, labelNames, features[..(WideInferenceRows * WideInputs)], $"MoE wide synthetic D={WideInputs}, C={WideClasses}, K={Experts} experts, hidden {WideHidden}")
        {
            TrainingSamplesPerSecond = SteadyRate(rates.Wall),
            TrainingSamplesPerCpuSecond = SteadyRate(rates.Cpu),
            TrainingEpochs = rates.Wall.Count,
            TrainingFlopsPerSample = FlopsPerTrainingSample(WideInputs, WideClasses, Experts, WideHidden),
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

    /// <summary>Runs <paramref name="train"/> until <paramref name="seconds"/> have passed (it must stop when its token is cancelled).</summary>
    private static void WarmUp(double seconds, CancellationToken cancellationToken, Action<CancellationToken> train)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "The warm-up time must be finite and not negative.");
        }

        if (seconds == 0)
        {
            return;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(TimeSpan.FromSeconds(seconds));
        train(timer.Token);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void Record(TrainingProgress p, EpochRates rates, int minimumEpochs, double seconds, Stopwatch clock, CancellationTokenSource stop)
    {
        rates.Add(p);
        if (p.Epoch >= minimumEpochs && clock.Elapsed.TotalSeconds >= seconds)
        {
            stop.Cancel();
        }
    }

    /// <summary>The median epoch rate from the second epoch on (the first alone if only one ran).</summary>
    private static double SteadyRate(List<double> rates)
    {
        var steady = (rates.Count > 1 ? rates.Skip(1) : rates).Order().ToArray();
        return steady[steady.Length / 2];
    }

    private Tensor[] Tensors(int batch) =>
        [.. RowBatches.Cut(_pool, Model.Inputs, batch).Select(values => new Tensor(values, batch, Model.Inputs))];

    /// <summary>
    /// Each epoch's training rate by the wall clock (the trainer's) and per second of the process's CPU time, epoch
    /// end to epoch end (the first epoch's from the start of the process; the steady rate drops it anyway).
    /// </summary>
    private sealed class EpochRates(int batch)
    {
        private long _lastStep;
        private double _lastCpuSeconds;

        public List<double> Wall { get; } = [];

        public List<double> Cpu { get; } = [];

        public void Add(TrainingProgress p)
        {
            double cpu = Environment.CpuUsage.TotalTime.TotalSeconds;
            Wall.Add(p.SamplesPerSecond);
            Cpu.Add((p.Step - _lastStep) * (double)batch / Math.Max(cpu - _lastCpuSeconds, 1e-9));
            _lastStep = p.Step;
            _lastCpuSeconds = cpu;
        }
    }
}
