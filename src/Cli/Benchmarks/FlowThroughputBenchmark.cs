using System.Globalization;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>
/// Throughput of a mixture-density flow built in-process on synthetic standard-normal rows (no files read):
/// training samples/s (zero-grad, forward log-density, backward, Adam), our native log-density rows/s
/// (<see cref="MixtureDensityFlowInference"/>) and the rows/s of the same model exported to ONNX and scored by
/// ONNX Runtime on the CPU (<see cref="OnnxScorer"/>), with the same thread count on both sides.
/// </summary>
/// <remarks>
/// Used by <c>mlmix bench flow</c> and <c>mlmix bench onnx</c> and by the benchmark project's <c>flow-speed</c>
/// and <c>onnx-throughput</c> modes. Throughput does not depend on trained values, so the model starts from its
/// architecture's initialisation (standardiser and base fitted to the synthetic rows).
/// </remarks>
public sealed class FlowThroughputBenchmark
{
    /// <summary>Rows in the synthetic pool the measurements cycle through.</summary>
    public const int PoolRows = 16384;

    private readonly float[] _pool;

    /// <summary>Builds the model and the synthetic rows.</summary>
    /// <param name="architecture">The flow to measure.</param>
    /// <param name="seed">Seed of the initialisation and of the synthetic rows.</param>
    public FlowThroughputBenchmark(MixtureDensityFlowArchitecture architecture, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        architecture.Validate();
        Architecture = architecture;
        Model = architecture.Build(new RandomSource(seed));
        var random = new RandomSource(seed + 1);
        _pool = new float[PoolRows * architecture.Dimension];
        random.FillNormal(_pool);
        MixtureDensityFlowInitializer.Initialize(Model, new Tensor(_pool, PoolRows, architecture.Dimension), random.Fork(3));
    }

    /// <summary>
    /// The affine-coupling flow of benchmarks/reference/flow_torch.py: D = 43, 8 layers with 21-128-128-44 ReLU
    /// conditioners, reversed order between layers, a standard-normal base and no standardiser.
    /// </summary>
    public static MixtureDensityFlowArchitecture ReferenceArchitecture { get; } = new()
    {
        Dimension = 43,
        FlowType = FlowType.AffineCoupling,
        Layers = 8,
        HiddenSizes = [128, 128],
        Activation = Activation.Relu,
        Components = 1,
        LuLinear = false, // the reference has none (the architecture's default has one per layer)
        Standardize = false,
    };

    /// <summary>
    /// <see cref="ReferenceArchitecture"/> as a mixture-density flow: a K = 8 diagonal Gaussian-mixture base and an
    /// input standardiser (the model of the ours-vs-ONNX Runtime comparison).
    /// </summary>
    public static MixtureDensityFlowArchitecture MixtureArchitecture { get; } = ReferenceArchitecture with { Components = 8, Standardize = true };

    /// <summary>The architecture measured.</summary>
    public MixtureDensityFlowArchitecture Architecture { get; }

    /// <summary>The model measured (training changes its parameters).</summary>
    public MixtureDensityFlow Model { get; }

    /// <summary>A short description, e.g. "affine-coupling flow D=43, 8 layers, hidden 128-128 ReLU conditioners, K=8, standardised".</summary>
    public string Description
    {
        get
        {
            var a = Architecture;
            string kind = a.FlowType switch
            {
                FlowType.AffineCoupling => "affine-coupling",
                FlowType.SplineCoupling => "spline-coupling",
                _ => "masked-autoregressive",
            };
            string hidden = a.HiddenSizes.Count == 0 ? "linear" : "hidden " + string.Join("-", a.HiddenSizes.Select(h => h.ToString(CultureInfo.InvariantCulture)));
            return string.Create(CultureInfo.InvariantCulture, $"{kind} flow D={a.Dimension}, {a.Layers} layers, {hidden} {ActivationName(a.Activation)} conditioners, K={a.Components}{(a.Standardize ? ", standardised" : string.Empty)}");
        }
    }

    /// <summary>
    /// Training samples/s: forward log-density, backward (the gradient replacing the last one, as MinibatchTrainer does)
    /// and an Adam step (learning rate 1e-3) on one
    /// fixed batch of <paramref name="batch"/> rows, per step; the batch is cut into parts on separate tapes and
    /// threads as <see cref="MinibatchTrainer"/> cuts it (<see cref="DataParallelGradient"/>).
    /// </summary>
    /// <param name="threads">Threads in all (at least 1).</param>
    /// <param name="batch">Rows per step.</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    public Throughput MeasureTraining(int threads, int batch, MeasurementPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var rows = RowBatches.Cut(_pool, Architecture.Dimension, batch, maximumBatches: 1)[0];
        var optimizer = new Adam(Model.Parameters, learningRate: 1e-3f);

        // As MinibatchTrainer trains: the batch cut into parts (by its size alone), one tape and thread per part.
        using var gradient = new DataParallelGradient(Model.Parameters, batch, threads);
        var parts = new Tensor[gradient.Parts];
        for (int p = 0; p < parts.Length; p++)
        {
            var (start, count) = gradient.PartRows(p);
            parts[p] = new Tensor(rows.AsSpan(start * Architecture.Dimension, count * Architecture.Dimension).ToArray(), count, Architecture.Dimension);
        }

        return ThroughputMeter.Measure(
            _ =>
            {
                gradient.Compute((tape, start, count, part) => tape.Negate(tape.MeanAll(Model.LogDensity(tape, tape.Constant(parts[part.Index])))));
                optimizer.Step();
            },
            batch,
            plan,
            cancellationToken);
    }

    /// <summary>
    /// Floating-point operations of the matrix products per training sample (a multiply-add counts two): three times
    /// those of the forward pass (each layer's product, then in the backward pass its weight gradient and its input
    /// gradient). Element-wise work is not counted.
    /// </summary>
    public double TrainingFlopsPerSample => 3 * LogDensityFlopsPerRow;

    /// <summary>
    /// Floating-point operations of the forward pass's matrix products per row: 2 x rows x columns of every 2-D
    /// parameter (the conditioners' weights; a mixture's [K, D] means, counted too, are negligible).
    /// </summary>
    public double LogDensityFlopsPerRow => Model.Parameters.Where(p => p.Value.Rank == 2).Sum(p => 2.0 * p.Value.Shape[0] * p.Value.Shape[1]);

    /// <summary>
    /// Native log-density rows/s through <see cref="MixtureDensityFlowInference"/> in batches of
    /// <paramref name="batch"/> rows, <paramref name="batchesPerCall"/> batches per call (several batches run in
    /// parallel; one batch gives the threads to the matrix products).
    /// </summary>
    /// <param name="batch">Rows per batch.</param>
    /// <param name="threads">Threads (at least 1).</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    /// <param name="withPosterior">Whether the component posterior is computed too.</param>
    /// <param name="batchesPerCall">Batches scored by one call.</param>
    public Throughput MeasureLogDensity(int batch, int threads, MeasurementPlan plan, CancellationToken cancellationToken = default, bool withPosterior = false, int batchesPerCall = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchesPerCall);
        int rowsPerCall = batch * batchesPerCall;
        var inputs = RowBatches.Cut(_pool, Architecture.Dimension, rowsPerCall);
        var inference = new MixtureDensityFlowInference(Model, threads, batch);
        var logDensity = new float[rowsPerCall];
        var posterior = withPosterior ? new float[rowsPerCall * Model.Components] : [];
        return ThroughputMeter.Measure(
            i => inference.LogDensityAndPosterior(inputs[i % inputs.Length], logDensity, posterior),
            rowsPerCall,
            plan,
            cancellationToken);
    }

    /// <summary>
    /// ONNX Runtime (CPU) log-density rows/s of the model as it is now, exported to ONNX, one <see cref="OnnxScorer"/> run of
    /// <paramref name="batch"/> rows per call, with <paramref name="threads"/> intra-op threads.
    /// </summary>
    /// <param name="batch">Rows per run.</param>
    /// <param name="threads">ONNX Runtime intra-op threads (at least 1).</param>
    /// <param name="plan">How long and how often to measure.</param>
    /// <param name="cancellationToken">Checked between calls.</param>
    /// <param name="withPosterior">Whether the component posterior output is fetched too.</param>
    public Throughput MeasureOnnxLogDensity(int batch, int threads, MeasurementPlan plan, CancellationToken cancellationToken = default, bool withPosterior = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var onnxModel = new MixtureDensityFlowOnnxExporter().ToBytes(Model, Enumerable.Range(0, Architecture.Dimension).Select(j => $"f{j}").ToArray());
        var inputs = RowBatches.Cut(_pool, Architecture.Dimension, batch);
        string[] outputs = withPosterior
            ? [MixtureDensityFlowOnnxExporter.LogDensityOutput, MixtureDensityFlowOnnxExporter.ComponentPosteriorOutput]
            : [MixtureDensityFlowOnnxExporter.LogDensityOutput];
        using var scorer = OnnxScorer.Load(onnxModel, new OnnxScoringOptions { BatchSize = batch, IntraOpThreads = threads });
        return ThroughputMeter.Measure(i => scorer.Score(inputs[i % inputs.Length], batch, outputs), batch, plan, cancellationToken);
    }

    private static string ActivationName(Activation activation) => activation switch
    {
        Activation.Relu => "ReLU",
        Activation.Tanh => "tanh",
        _ => activation.ToString(),
    };
}
