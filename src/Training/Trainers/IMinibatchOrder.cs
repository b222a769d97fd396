namespace MLNetMixture.Training.Trainers;

/// <summary>
/// The order in which <see cref="MinibatchTrainer"/> visits training rows: each call of <see cref="Next"/> gives the
/// row indices (into the rows the objective holds at that moment) of the next minibatch. In memory this is a fresh
/// permutation per epoch; for streamed data a shuffle buffer that is refilled between minibatches.
/// </summary>
public interface IMinibatchOrder
{
    /// <summary>Rows per minibatch; every minibatch has exactly this many.</summary>
    int BatchSize { get; }

    /// <summary>Training rows in one epoch (one pass); an epoch is <c>RowsPerEpoch / BatchSize</c> minibatches.</summary>
    int RowsPerEpoch { get; }

    /// <summary>The next minibatch's row indices; valid until the next call.</summary>
    ReadOnlySpan<int> Next();
}
