using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Trainers;

/// <summary>Records the loss of one part of a batch on the part's own tape: the mean over rows [start, start + count).</summary>
/// <param name="tape">The part's tape, reset.</param>
/// <param name="start">The part's first row within the batch.</param>
/// <param name="count">The part's rows.</param>
/// <param name="part">Which part of how many, and the batch's size.</param>
public delegate Var BatchPartLossFunction(Tape tape, int start, int count, BatchPart part);

/// <summary>
/// The gradient of a minibatch loss that is a mean over rows, computed in parts: the batch is cut into a fixed number
/// of parts (<see cref="PartsFor"/>, from the batch size and the machine's cores), each part's loss is recorded and
/// differentiated on its own tape into its own gradient buffers, and the parts' gradients, weighted by their share of
/// the rows, are added to the parameters' <see cref="Parameter.Grad"/> in part order. Parts run on up to
/// <see cref="Parts"/> threads: two cores train one batch twice as fast without splitting every small matrix product
/// among them.
/// </summary>
/// <remarks>
/// <para>
/// Results do not depend on the thread count: the parts, their tapes and the order in which their gradients are summed
/// are the same for any number of threads (matrix products are bit-identical for any thread count too). They may
/// differ in rounding between machines with different numbers of cores (which cut batches differently).
/// </para>
/// <para>
/// Threads: with <c>threads</c> T &gt; 0, min(T, parts) parts run at once and each part's matrix products get
/// T / that many threads. With 0 the count is chosen by measurement: after a warm-up, steps alternate between one
/// part at a time (products on every core) and as many parts at once as there are cores, and the faster is kept
/// (<see cref="Workers"/>). Both give the same results.
/// </para>
/// <para>Not thread-safe: one caller at a time. Dispose it to stop its helper threads.</para>
/// </remarks>
public sealed class DataParallelGradient : IDisposable
{
    /// <summary>Rows per part at the least (by default): on two cores a batch of 256 or more is cut in two.</summary>
    public const int DefaultRowsPerPart = 128;

    /// <summary>The most parts a batch is cut into.</summary>
    public const int MaximumParts = 8;

    private readonly Parameter[] _parameters;
    private readonly Tape[] _tapes;
    private readonly Tensor[][] _buffers;
    private readonly WorkerTeam? _team;
    private readonly float[] _losses;
    private readonly ThreadCountChooser? _chooser;

    /// <summary>Prepares the parts' tapes and gradient buffers.</summary>
    /// <param name="parameters">Every parameter the parts' losses may use.</param>
    /// <param name="batchRows">Rows per batch.</param>
    /// <param name="threads">Threads in all; 0 chooses by measurement (see remarks).</param>
    /// <param name="rowsPerPart">Rows per part at the least; 0 keeps the batch whole.</param>
    public DataParallelGradient(IReadOnlyList<Parameter> parameters, int batchRows, int threads = 0, int rowsPerPart = DefaultRowsPerPart)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchRows);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerPart);
        _parameters = [.. parameters];
        BatchRows = batchRows;
        Parts = PartsFor(batchRows, rowsPerPart);
        Threads = threads;
        int cores = threads > 0 ? threads : Environment.ProcessorCount;
        int most = Math.Min(cores, Parts);
        Workers = threads > 0 ? most : 1;
        _chooser = threads > 0 ? null : new ThreadCountChooser(1, most);
        _team = most > 1 ? new WorkerTeam(most) : null;
        _tapes = new Tape[Parts];
        _buffers = new Tensor[Parts][];
        for (int p = 0; p < Parts; p++)
        {
            var buffers = new Dictionary<Parameter, Tensor>(ReferenceEqualityComparer.Instance);
            _buffers[p] = new Tensor[_parameters.Length];
            for (int i = 0; i < _parameters.Length; i++)
            {
                var buffer = new Tensor(_parameters[i].Value.ShapeArray());
                _buffers[p][i] = buffer;
                buffers[_parameters[i]] = buffer;
            }

            _tapes[p] = new Tape(InnerThreads(Workers)) { GradientBuffers = buffers };
        }

        _losses = new float[Parts];
    }

    /// <summary>Rows per batch.</summary>
    public int BatchRows { get; }

    /// <summary>How many parts each batch is cut into.</summary>
    public int Parts { get; }

    /// <summary>The thread count asked for (0: chosen by measurement).</summary>
    public int Threads { get; }

    /// <summary>How many parts run at once now (with threads = 0, the measured choice once made).</summary>
    public int Workers { get; private set; }

    /// <summary>The threads that split each matrix product of a part while <see cref="Workers"/> parts run at once.</summary>
    public int ProductThreads => InnerThreads(Workers);

    /// <summary>
    /// The number of parts a batch of <paramref name="batchRows"/> is cut into: one per <paramref name="rowsPerPart"/>
    /// rows, but no more than the machine has cores (each part costs its own small products and packed weights: four
    /// parts of 128 rows trained the flow 8% slower on one core than two of 256) and no more than
    /// <see cref="MaximumParts"/>; at least 1.
    /// </summary>
    /// <param name="batchRows">Rows per batch.</param>
    /// <param name="rowsPerPart">Rows per part at the least; 0 keeps the batch whole.</param>
    /// <param name="cores">The machine's cores (default <see cref="Environment.ProcessorCount"/>); never the thread count asked for.</param>
    public static int PartsFor(int batchRows, int rowsPerPart, int cores = 0)
        => rowsPerPart <= 0 ? 1 : Math.Clamp(Math.Min(batchRows / rowsPerPart, cores > 0 ? cores : Environment.ProcessorCount), 1, MaximumParts);

    /// <summary>The rows of part <paramref name="part"/>: parts differ in size by at most one row.</summary>
    /// <param name="part">In [0, <see cref="Parts"/>).</param>
    public (int Start, int Count) PartRows(int part)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, Parts);
        int start = (int)((long)BatchRows * part / Parts), end = (int)((long)BatchRows * (part + 1) / Parts);
        return (start, end - start);
    }

    /// <summary>
    /// Records every part's loss with <paramref name="partLoss"/>, differentiates it with weight part rows / batch
    /// rows, and adds the sum over the parts to the parameters' <see cref="Parameter.Grad"/>.
    /// </summary>
    /// <param name="partLoss">Records one part's loss (a scalar mean over its rows) on the part's tape; called concurrently for different parts.</param>
    /// <returns>The batch loss, the parts' losses weighted by their rows.</returns>
    public float Accumulate(BatchPartLossFunction partLoss) => Run(partLoss, replace: false);

    /// <summary>
    /// As <see cref="Accumulate"/>, but the parameters' <see cref="Parameter.Grad"/> are replaced by the batch gradient
    /// instead of added to (no zero-fill pass first; equal to zero-filling and accumulating, up to the sign of zeros).
    /// </summary>
    /// <param name="partLoss">Records one part's loss on the part's tape; called concurrently for different parts.</param>
    /// <returns>The batch loss, the parts' losses weighted by their rows.</returns>
    public float Compute(BatchPartLossFunction partLoss) => Run(partLoss, replace: true);

    /// <inheritdoc />
    public void Dispose() => _team?.Dispose();

    /// <summary>Runs <c>work(worker, workers)</c> once for each of the <see cref="Workers"/> now in use, at once (e.g. an optimizer step by slices).</summary>
    internal void RunOnWorkers(Action<int, int> work)
    {
        int workers = Workers;
        if (workers == 1 || _team is null)
        {
            work(0, 1);
            return;
        }

        _team.Run(workers, w => work(w, workers));
    }

    private float Run(BatchPartLossFunction partLoss, bool replace)
    {
        ArgumentNullException.ThrowIfNull(partLoss);
        int workers = ChooseWorkers();
        if (workers == 1)
        {
            for (int p = 0; p < Parts; p++)
            {
                RunPart(p, partLoss);
            }

            Reduce(0, 1, replace);
        }
        else
        {
            _team!.Run(workers, w =>
            {
                for (int p = w * Parts / workers; p < (w + 1) * Parts / workers; p++)
                {
                    RunPart(p, partLoss);
                }
            });
            _team.Run(workers, w => Reduce(w, workers, replace));
        }

        _chooser?.EndStep();
        double loss = 0;
        for (int p = 0; p < Parts; p++)
        {
            loss += (double)_losses[p] * PartRows(p).Count / BatchRows;
        }

        return (float)loss;
    }

    private int InnerThreads(int workers) => Math.Max(1, (Threads > 0 ? Threads : Environment.ProcessorCount) / workers);

    /// <summary>The workers for this call: the fixed count, or with threads = 0 the chooser's (a candidate being timed, then the faster).</summary>
    private int ChooseWorkers()
    {
        if (_chooser is null)
        {
            return Workers;
        }

        int workers = _chooser.BeginStep();
        if (workers != Workers)
        {
            Workers = workers;
            foreach (var tape in _tapes)
            {
                tape.Threads = InnerThreads(workers);
            }
        }

        return workers;
    }

    private void RunPart(int p, BatchPartLossFunction partLoss)
    {
        var tape = _tapes[p];
        tape.Reset();
        var (start, count) = PartRows(p);
        var loss = partLoss(tape, start, count, new BatchPart(p, Parts, BatchRows));
        float value = tape.Value(loss).Span[0];
        _losses[p] = value;
        if (float.IsFinite(value))
        {
            tape.Backward(loss, (float)count / BatchRows);
        }
    }

    /// <summary>
    /// Adds the parts' gradients, in part order, to slice <paramref name="worker"/> of <paramref name="workers"/> of
    /// every trainable parameter's gradient (or, with <paramref name="replace"/>, writes their sum there), and clears
    /// that slice of the parts' buffers for the next call.
    /// </summary>
    private void Reduce(int worker, int workers, bool replace)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!_parameters[i].Trainable)
            {
                continue;
            }

            var grad = _parameters[i].Grad.Span;
            int from = (int)((long)grad.Length * worker / workers), to = (int)((long)grad.Length * (worker + 1) / workers);
            var target = grad[from..to];
            for (int p = 0; p < Parts; p++)
            {
                var part = _buffers[p][i].Span[from..to];
                if (replace && p == 0)
                {
                    part.CopyTo(target);
                }
                else
                {
                    TensorPrimitives.Add(target, part, target);
                }

                part.Clear();
            }
        }
    }
}
