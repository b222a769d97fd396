using System.Globalization;

namespace MLNetMixture.Training.Trainers;

/// <summary>
/// How a training run used its threads: each batch cut into <see cref="Parts"/> run <see cref="ConcurrentParts"/> at
/// a time on their own tapes (<see cref="DataParallelGradient"/>), and <see cref="ProductThreads"/> threads splitting
/// each matrix product.
/// </summary>
/// <param name="BatchRows">Rows per step.</param>
/// <param name="Parts">Parts each batch was cut into; 1 when the batch is whole (too small to cut, or an objective that needs whole batches).</param>
/// <param name="MinimumPartRows">The fewest rows a part may have (<see cref="TrainerOptions.BatchPartRows"/>; 0 keeps batches whole).</param>
/// <param name="ConcurrentParts">Parts run at once.</param>
/// <param name="ProductThreads">Threads splitting each matrix product.</param>
/// <param name="ChosenByMeasurement">Whether <see cref="TrainerOptions.Threads"/> = 0 let the first steps pick the faster count.</param>
public sealed record TrainingParallelism(int BatchRows, int Parts, int MinimumPartRows, int ConcurrentParts, int ProductThreads, bool ChosenByMeasurement)
{
    /// <summary>The threads that worked at once: parts run side by side times the threads of each product.</summary>
    public int Threads => ConcurrentParts * ProductThreads;

    /// <summary>One line for people, e.g. "batch of 256 rows cut into 2 parts, run 2 at a time (faster here than 1, measured over the first steps)".</summary>
    public string Describe()
    {
        string measured = ChosenByMeasurement ? ", the faster count measured over the first steps" : string.Empty;
        if (Parts > 1)
        {
            string products = ProductThreads > 1 ? string.Create(CultureInfo.InvariantCulture, $", each matrix product on {ProductThreads} threads") : string.Empty;
            return string.Create(CultureInfo.InvariantCulture, $"batch of {BatchRows} rows cut into {Parts} parts, run {ConcurrentParts} at a time{products}{measured}");
        }

        string whole = MinimumPartRows > 0 && BatchRows < 2 * MinimumPartRows
            ? string.Create(CultureInfo.InvariantCulture, $"batch of {BatchRows} rows too small to cut (parts need at least {MinimumPartRows} rows)")
            : string.Create(CultureInfo.InvariantCulture, $"whole batches of {BatchRows} rows");
        return string.Create(CultureInfo.InvariantCulture, $"{whole}; matrix products on {ProductThreads} thread{(ProductThreads == 1 ? string.Empty : "s")}{measured}");
    }
}
