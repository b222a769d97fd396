using System.Diagnostics;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Minibatch training with Adam/AdamW, gradient clipping, a learning-rate schedule, early stopping on a
/// validation score and cancellation. The parameters with the best validation score are kept (restored at the
/// end, after cancellation, and when training diverges). Same seed and thread count give bit-identical results.
/// </summary>
public static class MinibatchTrainer
{
    /// <summary>Trains <paramref name="objective"/>'s parameters in place.</summary>
    /// <param name="objective">The model's loss and validation score.</param>
    /// <param name="options">Trainer settings.</param>
    /// <param name="progress">Receives a report after every epoch; may be null.</param>
    /// <param name="cancellationToken">Stops training after the current step; the best parameters are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradients became non-finite; the best parameters so far are restored first.</exception>
    public static TrainingResult Fit(ITrainingObjective objective, TrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = objective.TrainingRows;
        if (n <= 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(objective));
        }

        var sampler = new MinibatchSampler(n, Math.Min(options.Optimization.BatchSize, n), new RandomSource(options.Seed).Fork(1), dropLast: true);
        return Fit(objective, options, sampler, progress, cancellationToken);
    }

    /// <summary>
    /// Trains <paramref name="objective"/>'s parameters in place, visiting rows in <paramref name="order"/> (streamed
    /// data: a shuffle buffer that the order refills between minibatches). Same as
    /// <see cref="Fit(ITrainingObjective, TrainerOptions, IProgress{TrainingProgress}?, CancellationToken)"/> otherwise.
    /// </summary>
    /// <param name="objective">The model's loss and validation score; its rows are those <paramref name="order"/> indexes.</param>
    /// <param name="options">Trainer settings; the batch size must be the order's (capped at its rows per epoch).</param>
    /// <param name="order">The minibatches' rows.</param>
    /// <param name="progress">Receives a report after every epoch; may be null.</param>
    /// <param name="cancellationToken">Stops training after the current step; the best parameters are kept.</param>
    /// <exception cref="TrainingDivergedException">The loss or gradients became non-finite; the best parameters so far are restored first.</exception>
    public static TrainingResult Fit(ITrainingObjective objective, TrainerOptions options, IMinibatchOrder order, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(order);
        options.Validate();
        int n = order.RowsPerEpoch;
        int batch = order.BatchSize;
        if (n <= 0 || batch != Math.Min(options.Optimization.BatchSize, n))
        {
            throw new ArgumentException($"The minibatch order has {n} rows per epoch in batches of {batch}; the trainer options ask for batches of {options.Optimization.BatchSize} (at most the rows per epoch).", nameof(order));
        }

        var parameters = objective.Parameters;
        var optimization = options.Optimization;
        int stepsPerEpoch = Math.Max(1, n / batch); // the last partial batch is dropped: every step sees the same batch size
        int epochs = optimization.PlannedEpochs(n); // Epochs, or fewer under the MaxRowVisits cap
        long totalSteps = (long)stepsPerEpoch * epochs;
        var optimizer = optimization.CreateOptimizer(parameters, totalSteps);

        var noiseRandom = new RandomSource(options.Seed).Fork(2);

        // Batches whose loss is a mean over rows are cut into parts that run on separate threads; the others are
        // differentiated whole, with the threads splitting each matrix product.
        int parts = objective.SupportsBatchParts ? DataParallelGradient.PartsFor(batch, options.BatchPartRows) : 1;
        using var partitioned = parts > 1 ? new DataParallelGradient(parameters, batch, options.Threads, options.BatchPartRows) : null;
        var partRandom = new RandomSource[parts];
        for (int p = 0; p < parts; p++)
        {
            partRandom[p] = noiseRandom.Fork((ulong)p);
        }

        var batchRows = new int[batch];
        var tape = partitioned is null ? new Tape(options.Threads) : null;

        // Threads = 0 on whole batches: every core splits each matrix product, or one core does, whichever is faster
        // here (products are bit-identical for any thread count).
        var chooser = partitioned is null && options.Threads == 0 ? new ThreadCountChooser(1, Environment.ProcessorCount) : null;
        var best = ParameterSnapshot.Capture(parameters);
        // Parameter averaging: the average is validated and kept; the raw parameters ("live") carry on training.
        float averagingDecay = optimization.ParameterAveragingDecay;
        var average = averagingDecay > 0 ? ParameterSnapshot.Capture(parameters) : null;
        var live = average is null ? null : ParameterSnapshot.Capture(parameters);
        double? bestValidation = null;
        int bestEpoch = 0, sinceBest = 0, epochsRun = 0;
        bool stoppedEarly = false, cancelled = false;
        long step = 0;
        var history = new List<TrainingProgress>();
        var clock = Stopwatch.StartNew();

        for (int epoch = 0; epoch < epochs && !cancelled; epoch++)
        {
            double lossSum = 0;
            int lossCount = 0;
            long epochStart = clock.ElapsedTicks;
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }

                var info = new TrainingStep(step, epoch, totalSteps, noiseRandom);
                // The order reshuffles (or reads the next pass) after every stepsPerEpoch full batches: each epoch is one pass.
                float value;
                if (partitioned is null)
                {
                    optimizer.ZeroGrad();
                    if (chooser is not null)
                    {
                        tape!.Threads = chooser.BeginStep();
                    }

                    tape!.Reset();
                    var loss = objective.BatchLoss(tape, order.Next(), info);
                    value = tape.Value(loss).Span[0];
                    if (float.IsFinite(value))
                    {
                        tape.Backward(loss);
                    }

                    chooser?.EndStep();
                }
                else
                {
                    order.Next().CopyTo(batchRows);
                    // The batch gradient replaces the parameters' gradients (no zero-fill pass).
                    objective.PrepareBatch(batchRows, info);
                    value = partitioned.Compute((partTape, start, count, part) =>
                        objective.BatchPartLoss(partTape, batchRows.AsSpan(start, count), info with { Random = partRandom[part.Index] }, part));
                }

                if (!float.IsFinite(value))
                {
                    Diverged($"the loss is {value}", epoch, step, best, parameters, options);
                }

                if (optimization.GradientClipNorm > 0)
                {
                    float norm = GradientClipping.ClipByGlobalNorm(parameters, optimization.GradientClipNorm);
                    if (!float.IsFinite(norm))
                    {
                        Diverged($"the gradient norm is {norm}", epoch, step, best, parameters, options);
                    }
                }

                if (partitioned is null)
                {
                    optimizer.Step();
                }
                else
                {
                    // The element-wise update by slices on the parts' threads.
                    optimizer.StepBySlices(partitioned.RunOnWorkers);
                }

                step++;
                average?.BlendFrom(parameters, 1f - Math.Min(averagingDecay, (1f + step) / (10f + step)));
                lossSum += value;
                lossCount++;
            }

            if (lossCount == 0)
            {
                break;
            }

            epochsRun = epoch + 1;
            double seconds = (clock.ElapsedTicks - epochStart) / (double)Stopwatch.Frequency;
            if (average is not null)
            {
                live!.CopyFrom(parameters);
                average.RestoreTo(parameters); // validate, keep and report the average
            }

            double? validation = objective.HasValidation ? objective.Validate() : null;
            bool isBest = false;
            if (validation is double v && double.IsFinite(v) && (bestValidation is null || v > bestValidation.Value) && objective.MayKeepCurrentParameters)
            {
                bestValidation = v;
                bestEpoch = epochsRun;
                sinceBest = 0;
                isBest = true;
                best.CopyFrom(parameters);
            }
            else if (validation is null)
            {
                bestEpoch = epochsRun;
                best.CopyFrom(parameters);
            }
            else
            {
                sinceBest++;
            }

            var elapsed = clock.Elapsed;
            var remaining = TimeSpan.FromSeconds(elapsed.TotalSeconds / epochsRun * (epochs - epochsRun));
            var report = new TrainingProgress(
                epochsRun, epochs, step, lossSum / lossCount, validation, bestValidation, isBest,
                lossCount * batch / Math.Max(seconds, 1e-9), optimizer.LearningRate, elapsed, remaining,
                objective.EpochStatistics(new TrainingStep(step, epoch, totalSteps, noiseRandom)));
            history.Add(report);
            progress?.Report(report);
            live?.RestoreTo(parameters); // training goes on from the raw parameters
            if (objective.HasValidation && options.Validation.EarlyStoppingPatience > 0 && sinceBest >= options.Validation.EarlyStoppingPatience)
            {
                stoppedEarly = true;
                break;
            }
        }

        if (epochsRun > 0)
        {
            best.RestoreTo(parameters);
        }

        var parallelism = partitioned is not null
            ? new TrainingParallelism(batch, parts, options.BatchPartRows, partitioned.Workers, partitioned.ProductThreads, options.Threads == 0)
            : new TrainingParallelism(batch, 1, objective.SupportsBatchParts ? options.BatchPartRows : 0, 1, chooser?.Chosen ?? ResolvedThreads(tape!.Threads), options.Threads == 0);
        return new TrainingResult(epochsRun, step, bestEpoch, bestValidation, stoppedEarly, cancelled, history) { Parallelism = parallelism };
    }

    private static int ResolvedThreads(int threads) => threads > 0 ? threads : Environment.ProcessorCount;

    private static void Diverged(string what, int epoch, long step, ParameterSnapshot best, IReadOnlyList<Parameter> parameters, TrainerOptions options)
    {
        best.RestoreTo(parameters);
        throw new TrainingDivergedException(
            $"Training diverged at epoch {epoch + 1}, step {step + 1}: {what}. The best parameters so far were kept. " +
            $"Try a lower learning rate or gradient clipping (now {options.Optimization.Describe()}) or standardised inputs.");
    }
}
