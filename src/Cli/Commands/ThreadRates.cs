namespace MLNetMixture.Cli.Commands;

/// <summary>
/// One side's best rates at one thread count in a <c>--pytorch</c> comparison: training samples/s and inference
/// (log-density or soft) rows/s, each with the variant that gave it (a batch size, a PyTorch setting).
/// </summary>
/// <param name="Threads">The thread count.</param>
/// <param name="Training">Training samples per second.</param>
/// <param name="TrainingVariant">How the training rate was reached.</param>
/// <param name="Inference">Inference rows per second.</param>
/// <param name="InferenceVariant">How the inference rate was reached.</param>
internal sealed record ThreadRates(int Threads, double Training, string TrainingVariant, double Inference, string InferenceVariant);
