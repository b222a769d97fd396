using System.Diagnostics;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Benchmarks;

/// <summary>
/// A 43-128-128-43 ReLU MLP trained with squared error: one <see cref="Step"/> is zero-grad, forward,
/// backward and an optimizer update on a [batch, 43] minibatch. Shared by the BenchmarkDotNet suite and the
/// quick console modes, and mirrored by benchmarks/reference/mlp_step_torch.py.
/// </summary>
internal sealed class MlpTrainingHarness
{
    public const int Width = 43;
    public const int Hidden = 128;

    private readonly Tape _tape;
    private readonly Tensor _inputs;
    private readonly Tensor _targets;
    private readonly Tensor _batchInputs;
    private readonly Tensor _batchTargets;
    private readonly MinibatchSampler? _sampler;

    /// <param name="threads">GEMM threads (0 = all cores).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="datasetSize">Samples to draw minibatches from; equal to <paramref name="batchSize"/> trains on one fixed batch.</param>
    /// <param name="optimizerFactory">Builds the optimizer over the network's parameters; Adam(lr 1e-3) when null.</param>
    public MlpTrainingHarness(int threads, int batchSize, int datasetSize, ulong seed = 1, Func<IReadOnlyList<Parameter>, Adam>? optimizerFactory = null)
    {
        var random = new RandomSource(seed);
        Network = new Mlp("mlp", Width, [Hidden, Hidden], Width, Activation.Relu, random.Fork(0));
        Optimizer = optimizerFactory?.Invoke(Network.Parameters) ?? new Adam(Network.Parameters, learningRate: 1e-3f);
        _tape = new Tape(threads);
        var data = random.Fork(1);
        _inputs = new Tensor(datasetSize, Width);
        _targets = new Tensor(datasetSize, Width);
        data.FillNormal(_inputs.Span);

        // A learnable target: a fixed random linear map of the input plus noise.
        var map = new float[Width * Width];
        data.FillNormal(map, 0f, 1f / MathF.Sqrt(Width));
        for (int r = 0; r < datasetSize; r++)
        {
            for (int j = 0; j < Width; j++)
            {
                float s = 0.1f * (float)data.NextNormal();
                for (int k = 0; k < Width; k++)
                {
                    s += _inputs[r, k] * map[(j * Width) + k];
                }

                _targets[r, j] = s;
            }
        }

        if (datasetSize == batchSize)
        {
            _batchInputs = _inputs;
            _batchTargets = _targets;
        }
        else
        {
            _batchInputs = new Tensor(batchSize, Width);
            _batchTargets = new Tensor(batchSize, Width);
            _sampler = new MinibatchSampler(datasetSize, batchSize, random.Fork(2));
        }

        BatchSize = batchSize;
    }

    public Mlp Network { get; }

    public Adam Optimizer { get; }

    public int BatchSize { get; }

    /// <summary>Stopwatch ticks spent inside <see cref="Adam.Step"/> so far.</summary>
    public long OptimizerTicks { get; set; }

    /// <summary>One training step; returns the minibatch loss.</summary>
    public float Step()
    {
        if (_sampler is not null)
        {
            var rows = _sampler.Next();
            MinibatchSampler.GatherRows(_inputs, rows, _batchInputs);
            MinibatchSampler.GatherRows(_targets, rows, _batchTargets);
        }

        _tape.Reset();
        Optimizer.ZeroGrad();
        var prediction = Network.Forward(_tape, _tape.Constant(_batchInputs));
        var loss = _tape.MeanAll(_tape.Square(_tape.Subtract(prediction, _tape.Constant(_batchTargets))));
        _tape.Backward(loss);
        long start = Stopwatch.GetTimestamp();
        Optimizer.Step();
        OptimizerTicks += Stopwatch.GetTimestamp() - start;
        return _tape.Value(loss).Span[0];
    }
}
